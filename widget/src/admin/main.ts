// The admin page's script (/admin/admin.js), loaded by /admin under the landing's CSP.
import { AdminPage } from "./page";

const root = document.getElementById("admin");
if (root) void new AdminPage(root).start();
