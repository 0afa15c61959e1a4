import { isStale, buildWeb } from "../../scripts/build-web.mjs";

/**
 * Once per test run, before any worker starts: build web/dist when it is missing or older than
 * web/src, as `npm start` does. Every suite then meets the gateway a user meets (the web app's
 * pages and their CSP), and no two workers build into web/dist at once.
 */
export default async function setup(): Promise<void> {
  if (isStale()) await buildWeb({ quiet: true });
}
