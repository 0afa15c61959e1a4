import { Page } from "../components/page.tsx";
import { Blocked } from "./admin/blocked.tsx";
import { Users } from "./admin/users.tsx";

export function Admin() {
  return (
    <Page title="Administration">
      <Blocked />
      <Users />
    </Page>
  );
}
