import { Page } from "../components/page.tsx";
import { Link } from "../lib/router.tsx";

export function NotFound({ message }: { readonly message?: string }) {
  return (
    <Page title={message ? "Not allowed" : "Page not found"} narrow>
      <p>{message ?? "There is no page at this address."}</p>
      <p>
        <Link to="/">Go to the start page</Link>
      </p>
    </Page>
  );
}
