// The admin page's insights: what students asked (text only), answered or not, their
// feedback, counts per day, the most cited readings; and the CSV. Read from
// /api/admin/insights with the admin's token (window.AdminApi, from admin.js).
// Every question is put in through textContent, never innerHTML.
"use strict";

(() => {
  const about = document.getElementById("insights-about");
  const body = document.getElementById("insights-body");
  const SHOWN = 100; // questions listed here; the CSV has them all

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function table(caption, headers, rows, numeric) {
    const t = el("table", null, "insights-table");
    t.append(el("caption", caption));
    const head = el("tr");
    headers.forEach((h, i) => head.append(el("th", h, numeric.includes(i) ? "number" : null)));
    const thead = el("thead");
    thead.append(head);
    const tbody = el("tbody");
    rows.forEach((row) => {
      const tr = el("tr");
      row.forEach((value, i) => {
        const td = el("td", value, numeric.includes(i) ? "number" : null);
        td.dataset.label = headers[i];
        tr.append(td);
      });
      tbody.append(tr);
    });
    t.append(thead, tbody);
    return t;
  }

  function section(title, ...content) {
    const s = el("section", null, "insights-part");
    s.append(el("h3", title), ...content);
    return s;
  }

  function show(report) {
    body.replaceChildren();
    if (!report.enabled) {
      about.textContent = "Insights are off (BOT_INSIGHTS_DAYS=0): no question is recorded.";
      return;
    }
    about.textContent = "Questions are kept " + report.days + " days (since " + report.since +
      ", UTC). Only a question's text, its day, whether it was answered, the readings cited " +
      "and students' helpful / not helpful are stored: no address, cookie or account.";
    const share = report.asked ? Math.round((100 * report.answered) / report.asked) : 0;
    const times = (n) => n + (n === 1 ? " time" : " times");
    body.append(el("p", report.asked + (report.asked === 1 ? " question" : " questions") +
      " asked, " + report.answered + " answered (" + share + "%); answers marked helpful " +
      times(report.helpful) + ", not helpful " + times(report.not_helpful) + ".",
      "insights-summary"));
    if (!report.asked) return;

    const most = Math.max(...report.per_day.map((d) => d.asked), 1);
    const days = table("Questions per day", ["Day", "Asked", "Answered", ""],
      report.per_day.map((d) => [d.day, String(d.asked), String(d.answered), ""]), [1, 2]);
    days.querySelectorAll("tbody tr").forEach((tr, i) => {
      const bar = el("span", null, "bar");
      bar.setAttribute("aria-hidden", "true");
      bar.style.width = Math.round((100 * report.per_day[i].asked) / most) + "%";
      tr.lastChild.append(bar);
    });
    body.append(section("Over time", days));

    const gaps = el("ol", null, "gaps");
    report.unanswered.slice(0, SHOWN).forEach((q) => {
      const li = el("li");
      li.append(el("span", q.question, "question"),
        el("span", " — asked " + q.count + (q.count === 1 ? " time" : " times") +
          ", last on " + q.last_day, "muted"));
      gaps.append(li);
    });
    body.append(section("Unanswered: what the readings do not cover",
      report.unanswered.length ? gaps : el("p", "Every question asked was answered.", "muted")));

    const asked = table("Questions asked, most asked first",
      ["Question", "Asked", "Answered", "Helpful", "Not helpful"],
      report.questions.slice(0, SHOWN).map((q) => [q.question, String(q.count),
        q.answered ? "yes" : "no", String(q.helpful), String(q.not_helpful)]), [1, 3, 4]);
    asked.id = "insights-questions";
    const more = report.questions.length > SHOWN
      ? el("p", "The " + SHOWN + " most asked of " + report.questions.length +
        "; the CSV has them all.", "muted") : "";
    body.append(section("Questions and feedback", asked, more));

    const cited = el("ol", null, "cited");
    report.readings.forEach((r) => cited.append(el("li", r.title + " — cited for " + r.cited +
      (r.cited === 1 ? " question" : " questions"))));
    body.append(section("Most cited readings",
      report.readings.length ? cited : el("p", "No reading cited yet.", "muted")));
  }

  async function load() {
    try {
      show(await window.AdminApi.call("GET", "/insights"));
    } catch (error) {
      window.AdminApi.say("Insights: " + error.message, true);
    }
  }

  let loaded = false;
  document.addEventListener("admin:unlocked", () => {
    if (!loaded) load();
    loaded = true;
  });
  document.getElementById("insights-refresh").addEventListener("click", load);
  document.getElementById("insights-csv").addEventListener("click", async () => {
    const api = window.AdminApi;
    try {
      const response = await fetch(api.base + "/api/admin/insights.csv", {
        headers: { Authorization: "Bearer " + api.token() },
      });
      if (!response.ok) throw new Error(response.statusText);
      const url = URL.createObjectURL(await response.blob());
      const link = el("a");
      link.href = url;
      link.download = "insights-" + new Date().toISOString().slice(0, 10) + ".csv";
      link.hidden = true;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (error) {
      api.say("Insights CSV: " + error.message, true);
    }
  });
})();
