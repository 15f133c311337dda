// The region picker of the project form (projects/widgets.py): a search box over the GB/T 2260 list (a <datalist>
// of "杭州市 · 西湖区（330106）"), whose picks are written as codes into the form's own field, the one submitted.
// Keyboard: type a name or code, ArrowDown/Enter in the browser's list (or Enter when one division matches);
// each chosen region has a remove button. Without this script the codes field is typed as before.
(function () {
  "use strict";
  const CODE = /(\d{6})）?$/;

  function fmt(text, values) {
    return text.replace(/%\((\w+)\)s/g, (m, k) => (k in values ? String(values[k]) : m));
  }

  function setup(root) {
    const codes = root.querySelector("[data-region-codes]");
    const search = root.querySelector("[data-region-search]");
    const chosen = root.querySelector("[data-region-chosen]");
    const message = root.querySelector("[data-region-message]");
    const labels = new Map(); // code -> "杭州市 · 西湖区（330106）"
    search.list.querySelectorAll("option").forEach((o) => {
      const m = CODE.exec(o.value);
      if (m) labels.set(m[1], o.value);
    });

    const current = () => codes.value.split(/[\s,，、]+/).filter(Boolean);
    const say = (text) => { message.textContent = text; };

    function render() {
      chosen.replaceChildren(...current().map((code) => {
        const name = labels.get(code) || code;
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "region-remove";
        remove.textContent = "×";
        remove.setAttribute("aria-label", fmt(root.dataset.remove, { name }));
        remove.addEventListener("click", () => {
          const rest = current().filter((c) => c !== code);
          codes.value = rest.join(" ");
          render();
          say(fmt(root.dataset.removed, { name }));
          search.focus();
        });
        const item = document.createElement("li");
        item.dataset.code = code;
        const text = document.createElement("span");
        text.textContent = name;
        item.append(text, remove);
        return item;
      }));
    }

    function add(code) {
      if (!current().includes(code)) codes.value = current().concat([code]).join(" ");
      render();
      search.value = "";
      say(fmt(root.dataset.added, { name: labels.get(code) }));
    }

    // What the search box names: a whole option, a code, or the one division whose label contains the text.
    function resolve(text) {
      const m = CODE.exec(text);
      if (m && labels.has(m[1])) return { code: m[1] };
      const hits = [];
      labels.forEach((label, code) => { if (label.includes(text)) hits.push(code); });
      return hits.length === 1 ? { code: hits[0] } : { count: hits.length };
    }

    search.addEventListener("input", () => {
      // A pick from the browser's list (mouse or keyboard) puts a whole option into the box.
      const m = CODE.exec(search.value);
      if (m && labels.get(m[1]) === search.value) add(m[1]);
    });
    search.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault(); // Enter in the search box picks; it never submits the form half-filled
      const text = search.value.trim();
      if (!text) return;
      const found = resolve(text);
      if (found.code) add(found.code);
      else if (found.count) say(fmt(root.dataset.several, { n: found.count }));
      else say(fmt(root.dataset.unknown, { value: text }));
    });

    // With the script the codes field is kept (and submitted) but not shown; the label points at the search box.
    const label = codes.id && document.querySelector(`label[for="${codes.id}"]`);
    if (label) label.htmlFor = search.id;
    codes.hidden = true;
    search.hidden = false;
    root.classList.add("region-picker-ready");
    render();
  }

  function init() { document.querySelectorAll("[data-region-picker]").forEach(setup); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
