// @ts-check
// The console's shell: who is signed in, the menu their roles have, and the screens by address.
// Addresses are /console/<screen>?<filters>, so a reload, the back button or a shared link opens
// the same screen with the same filters.

import { SignedOut, get, roles, session, signOut } from "./api.js";
import { ROLE, errorBox, h } from "./ui.js";

/** @typedef {{ title: string, roles: string[] | null, load: () => Promise<any> }} Screen */

/** @type {Record<string, Screen>} */
const SCREENS = {
  login: { title: "登录", roles: null, load: () => import("./screens/login.js") },
  dashboard: { title: "工作概况", roles: ["rro_staff", "leader", "deputy_mayor", "discipline", "village_secretary", "work_team_leader"], load: () => import("./screens/dashboard.js") },
  ledger: { title: "整改台账", roles: ["rro_staff", "leader", "deputy_mayor", "discipline", "village_secretary", "work_team_leader", "cadre", "info_officer", "dept_staff"], load: () => import("./screens/ledger.js") },
  problem: { title: "问题详情", roles: [], load: () => import("./screens/problem.js") },
  lists: { title: "问题清单", roles: ["rro_staff", "leader", "deputy_mayor", "village_secretary", "info_officer", "work_team_leader"], load: () => import("./screens/lists.js") },
  archives: { title: "档案资料", roles: ["rro_staff", "leader", "deputy_mayor", "archive_clerk"], load: () => import("./screens/archives.js") },
  calls: { title: "电话抽查", roles: ["call_taker"], load: () => import("./screens/calls.js") },
  discipline: { title: "镇纪委待办", roles: ["discipline", "rro_staff", "leader"], load: () => import("./screens/discipline.js") },
  notifications: { title: "消息", roles: [], load: () => import("./screens/notifications.js") },
};

/** Goes to a console address, keeping history. */
export function go(path) {
  history.pushState(null, "", path);
  render();
}

function screenName() {
  const rest = location.pathname.replace(/^\/console\/?/, "");
  return rest.split("/")[0] || "";
}

function menu(current) {
  const mine = roles();
  const nav = /** @type {HTMLElement} */ (document.getElementById("nav"));
  nav.replaceChildren(
    ...Object.entries(SCREENS)
      .filter(([, s]) => s.roles && s.roles.length && s.roles.some((r) => mine.has(r)))
      .concat([["notifications", SCREENS.notifications]])
      .map(([name, s]) => h("a", { href: `/console/${name}`, "aria-current": name === current ? "page" : null }, s.title)),
  );
}

function home() {
  const mine = roles();
  if (SCREENS.dashboard.roles?.some((r) => mine.has(r))) return "dashboard";
  if (mine.has("call_taker")) return "calls";
  return "ledger";
}

async function render() {
  const app = /** @type {HTMLElement} */ (document.getElementById("app"));
  const bar = /** @type {HTMLElement} */ (document.getElementById("bar"));
  let name = screenName();
  const s = session();
  if (!s && name !== "login") {
    const next = location.pathname + location.search;
    history.replaceState(null, "", `/console/login?next=${encodeURIComponent(next)}`);
    name = "login";
  }
  if (s && (name === "" || name === "login")) {
    name = home();
    history.replaceState(null, "", `/console/${name}`);
  }
  const screen = SCREENS[name];
  bar.hidden = !s;
  if (s) {
    menu(name);
    const who = /** @type {HTMLElement} */ (document.getElementById("who"));
    who.textContent = `${s.user.display_name}（${[...roles()].map((r) => ROLE[r] || r).join("、")}）`;
  }
  if (!screen) {
    app.replaceChildren(h("p.empty", null, "没有这个页面。"), h("a", { href: "/console/" }, "回到首页"));
    return;
  }
  document.title = `${screen.title} · 长效`;
  app.replaceChildren(h("p.loading", null, "正在加载…"));
  try {
    const mod = await screen.load();
    const params = new URLSearchParams(location.search);
    const rest = location.pathname.replace(/^\/console\/[^/]+\/?/, "");
    await mod.show(app, { params, rest, go });
    app.focus({ preventScroll: true });
  } catch (e) {
    if (e instanceof SignedOut) {
      render();
      return;
    }
    console.error(e);
    app.replaceChildren(errorBox(e));
  }
}

// Links inside the console change the screen without reloading the page.
document.addEventListener("click", (ev) => {
  const a = /** @type {HTMLElement} */ (ev.target)?.closest?.("a");
  if (!a || a.target || ev.ctrlKey || ev.metaKey || ev.shiftKey) return;
  const href = a.getAttribute("href") || "";
  if (!href.startsWith("/console/")) return;
  ev.preventDefault();
  go(href);
});
window.addEventListener("popstate", render);
document.getElementById("signout")?.addEventListener("click", async () => {
  await signOut();
  history.replaceState(null, "", "/console/login");
  render();
});
// Keep the user's roles fresh (a grant may have changed since sign-in).
if (session()) get("/me").then((me) => {
  const s = session();
  if (s) sessionStorage.setItem("changxiao.session", JSON.stringify({ ...s, user: me }));
}).catch(() => {});
render();
