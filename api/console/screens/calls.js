// @ts-check
// The call taker's screen (CATI): the queue due now, then one household at a time — its number
// (revealed when the case is taken, audited), a timer, the questionnaire one question at a time
// (showing only what its answers call for), and the call's outcome.
import { get, post } from "../api.js";
import { date, errorBox, h, toast, uuid } from "../ui.js";

const OUTCOME = { no_answer: "无人接听", busy: "占线", refused: "拒访", wrong_number: "号码错误", callback: "约定回拨" };

export async function show(app, ctx) {
  const queue = await get("/phone-checks/queue");
  app.replaceChildren(
    h("h1", null, "电话抽查"),
    queue.callable_now ? null : h("p.error", null, "现在不在拨打时段内。"),
    queue.items.length
      ? h(
          "table",
          null,
          h("thead", null, h("tr", null, ["户主", "电话", "已拨次数", "约定回拨", ""].map((t) => h("th", null, t)))),
          h(
            "tbody",
            null,
            queue.items.map((c) =>
              h(
                "tr",
                null,
                h("td", null, c.head_name),
                h("td", null, c.phones.join("、")),
                h("td", null, c.attempts),
                h("td", null, c.callback ? date(c.due_at) : "—"),
                h("td", null, h("button.primary", { type: "button", "data-case": c.id, onclick: () => take(app, ctx, c.id) }, "开始拨打")),
              ),
            ),
          ),
        )
      : h("p.empty", null, "现在没有需要拨打的电话。"),
  );
}

async function take(app, ctx, id) {
  let held;
  try {
    held = await post(`/phone-checks/cases/${id}/hold`, {});
  } catch (e) {
    toast(e.message);
    return;
  }
  const started = Date.now();
  const timer = h("span.tag", { "aria-live": "off" }, "00:00");
  const tick = setInterval(() => {
    if (!timer.isConnected) return clearInterval(tick);
    const s = Math.floor((Date.now() - started) / 1000);
    timer.textContent = `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
  }, 1000);
  /** @type {Record<string, any>} */
  const answers = {};
  const area = h("div.panel");
  const problem = h("div");
  const clientId = uuid(); // one call, one id: a repeated send records it once

  const send = async (outcome, extra = {}) => {
    problem.replaceChildren();
    try {
      await post(`/phone-checks/cases/${id}/attempts`, { client_id: clientId, outcome, ...extra });
      toast("已记录");
      clearInterval(tick);
      await show(app, ctx);
    } catch (e) {
      problem.replaceChildren(errorBox(e));
    }
  };

  const shown = (q) => !q.show_if || (q.show_if.any_of || []).some((v) => tokens(answers[q.show_if.question]).includes(v));
  const ask = (i) => {
    const visible = held.questions.filter(shown);
    const q = visible[i];
    if (!q) {
      area.replaceChildren(
        h("h2", null, "问卷已完成"),
        h("button.primary", { type: "button", "data-action": "complete", onclick: () => send("completed", { answers }) }, "提交问卷"),
      );
      return;
    }
    const input = field(q, answers[q.id]);
    const next = () => {
      const v = read(q, input);
      if (v === undefined && q.required) {
        problem.replaceChildren(h("p.error", null, "这是必答题，请先记录回答。"));
        return;
      }
      problem.replaceChildren();
      if (v === undefined) delete answers[q.id];
      else answers[q.id] = v;
      ask(i + 1);
    };
    area.replaceChildren(
      h("p.muted", null, `第 ${i + 1} 题 / 共 ${visible.length} 题`),
      h("h2", { "data-question": q.id }, q.text),
      input,
      h(
        "div.actions",
        null,
        i > 0 ? h("button", { type: "button", onclick: () => ask(i - 1) }, "上一题") : null,
        h("button.primary", { type: "button", "data-action": "next", onclick: next }, "下一题"),
      ),
    );
    /** @type {HTMLElement | null} */ (input.querySelector("input, select, textarea"))?.focus();
  };

  const callbackAt = h("input", { type: "datetime-local", name: "callback_at" });
  app.replaceChildren(
    h("p", null, h("a", { href: "/console/calls" }, "← 拨打队列")),
    h("h1", null, `${held.case.head_name}　`, timer),
    h("p", null, "电话：", held.phones.map((p) => h("a", { href: `tel:${p}` }, p, " "))),
    area,
    problem,
    h(
      "div.panel",
      null,
      h("h2", null, "未完成通话"),
      h(
        "div.actions",
        null,
        ["no_answer", "busy", "refused", "wrong_number"].map((o) =>
          h("button", { type: "button", "data-outcome": o, onclick: () => send(o) }, OUTCOME[o]),
        ),
        h("label", null, "回拨时间", callbackAt),
        h(
          "button",
          {
            type: "button",
            "data-outcome": "callback",
            onclick: () => {
              if (!callbackAt.value) return problem.replaceChildren(h("p.error", null, "请选择约定的回拨时间。"));
              send("callback", { callback_at: new Date(`${callbackAt.value}:00+08:00`).toISOString() });
            },
          },
          OUTCOME.callback,
        ),
      ),
    ),
  );
  ask(0);
}

/** An answer as the tokens `show_if` speaks of: yes/no, option values, scale points. */
function tokens(a) {
  if (a === undefined) return [];
  if (typeof a === "boolean") return [a ? "yes" : "no"];
  if (Array.isArray(a)) return a;
  return [String(a)];
}

function field(q, value) {
  switch (q.kind) {
    case "yes_no":
      return h("div.actions", { role: "radiogroup" }, [["yes", "是"], ["no", "否"]].map(([v, l]) =>
        h("label", null, h("input", { type: "radio", name: q.id, value: v, checked: value === (v === "yes") }), l)));
    case "single_choice":
      return h("div.actions", { role: "radiogroup" }, q.options.map((o) =>
        h("label", null, h("input", { type: "radio", name: q.id, value: o.value, checked: value === o.value }), o.label)));
    case "multiple_choice":
      return h("div.actions", null, q.options.map((o) =>
        h("label", null, h("input", { type: "checkbox", name: q.id, value: o.value, checked: (value || []).includes(o.value) }), o.label)));
    case "scale": {
      const points = [];
      for (let p = q.min ?? 1; p <= (q.max ?? 5); p++) points.push(p);
      return h("div.actions", { role: "radiogroup" }, points.map((p) =>
        h("label", null, h("input", { type: "radio", name: q.id, value: String(p), checked: value === p }), String(p))));
    }
    case "number":
      return h("div", null, h("input", { type: "number", name: q.id, value: value ?? "", min: q.min ?? null, max: q.max ?? null }));
    default:
      return h("div", null, h("textarea", { name: q.id, rows: 3, cols: 50 }, value ?? ""));
  }
}

function read(q, el) {
  const checked = [...el.querySelectorAll("input:checked")].map((i) => /** @type {HTMLInputElement} */ (i).value);
  switch (q.kind) {
    case "yes_no":
      return checked.length ? checked[0] === "yes" : undefined;
    case "single_choice":
      return checked[0];
    case "multiple_choice":
      return checked.length ? checked : undefined;
    case "scale":
      return checked.length ? Number(checked[0]) : undefined;
    case "number": {
      const v = /** @type {HTMLInputElement} */ (el.querySelector("input")).value;
      return v === "" ? undefined : Number(v);
    }
    default: {
      const v = /** @type {HTMLTextAreaElement} */ (el.querySelector("textarea")).value.trim();
      return v || undefined;
    }
  }
}
