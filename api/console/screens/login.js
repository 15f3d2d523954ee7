// @ts-check
import { signIn } from "../api.js";
import { errorBox, h } from "../ui.js";

export async function show(app, { params, go }) {
  const username = h("input", { name: "username", autocomplete: "username", required: true, autofocus: true });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const problem = h("div");
  const button = h("button.primary", { type: "submit" }, "登录");
  const form = h(
    "form.login",
    {
      onsubmit: async (ev) => {
        ev.preventDefault();
        button.disabled = true;
        problem.replaceChildren();
        try {
          await signIn(username.value.trim(), password.value);
          const next = params.get("next");
          go(next && next.startsWith("/console/") && !next.startsWith("/console/login") ? next : "/console/");
        } catch (e) {
          problem.replaceChildren(errorBox(e));
          button.disabled = false;
        }
      },
    },
    h("h1", null, "长效 · 乡镇工作台"),
    h("label", null, "账号", username),
    h("label", null, "密码", password),
    problem,
    button,
  );
  app.replaceChildren(form);
  username.focus();
}
