// @ts-check
// The quarter at a glance for the caller's scope. Every number opens the records it counts.
import { get } from "../api.js";
import { h, pct, percent } from "../ui.js";

/** A figure; with `href`, it opens the records it counts. */
function card(n, title, href, warn = false) {
  return h(`${href ? "a" : "div"}.card${warn ? ".warn" : ""}`, { href }, h("div.n", null, n), h("div.t", null, title));
}

/** ECharts is loaded only on this screen (a classic script, vendored: no network beyond this server). */
function echarts() {
  if (/** @type {any} */ (window).echarts) return Promise.resolve(/** @type {any} */ (window).echarts);
  return new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = "/console/vendor/echarts.simple.min.js";
    s.onload = () => resolve(/** @type {any} */ (window).echarts);
    s.onerror = () => reject(new Error("图表组件加载失败"));
    document.head.append(s);
  });
}

export async function show(app) {
  const [d, cov] = await Promise.all([get("/dashboard"), get("/coverage")]);
  const chart = h("div.chart", { role: "img", "aria-label": "各村入户覆盖率" });
  app.replaceChildren(
    h("h1", null, `工作概况 · ${d.quarter}`),
    h(
      "div.cards",
      null,
      card(pct(d.coverage_percent), `本季度入户覆盖（${d.coverage_visited}/${d.coverage_targets}户）`, null),
      card(d.problems_open, "整改中问题", "/console/ledger?active=true"),
      card(d.problems_overdue, "逾期问题", "/console/ledger?overdue=true", d.problems_overdue > 0),
      card(d.problems_closed_this_month, "本月销号", `/console/ledger?status=closed&month=${d.month}`),
      card(d.lists_late, `${d.due_month}问题清单未按时报送`, null, d.lists_late > 0),
      d.materials_late === null || d.materials_late === undefined
        ? null
        : card(d.materials_late, `${d.due_month}档案资料未按时报送`, null, d.materials_late > 0),
      card(percent(d.satisfaction_rate), "电话抽查满意率", null),
    ),
    h("div.panel", null, h("h2", null, "各村入户覆盖率"), chart),
    h(
      "div.panel",
      null,
      h("h2", null, "进度靠后的村"),
      d.villages_behind.length
        ? h(
            "table",
            null,
            h("thead", null, h("tr", null, h("th", null, "村"), h("th", null, "覆盖率"), h("th", null, "逾期问题"))),
            h(
              "tbody",
              null,
              d.villages_behind.map((v) =>
                h(
                  "tr",
                  null,
                  h("td", null, v.name),
                  h("td", null, pct(v.coverage_percent)),
                  h("td", null, h("a", { href: `/console/ledger?village_id=${v.village_id}&overdue=true` }, v.overdue)),
                ),
              ),
            ),
          )
        : h("p.empty", null, "没有进度靠后的村。"),
    ),
  );
  const villages = cov.by_village || [];
  if (!villages.length) {
    chart.replaceChildren(h("p.empty", null, "本范围没有需要走访的农户。"));
    return;
  }
  const lib = await echarts();
  const c = lib.init(chart);
  c.setOption({
    grid: { left: 48, right: 16, top: 16, bottom: 48 },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: villages.map((v) => v.name), axisLabel: { interval: 0, rotate: villages.length > 8 ? 30 : 0 } },
    yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    series: [{ type: "bar", name: "覆盖率", data: villages.map((v) => v.percent ?? 0), itemStyle: { color: "#0969da" } }],
  });
  addEventListener("resize", () => c.resize());
}
