// The region picker (projects/widgets.py): a search box over the GB/T 2260 list whose picks are written as codes
// into the field's own input, the one submitted. On the project form it holds several regions; on the project
// list's and the map's filters (data-single) one, and a pick replaces it.
//
// The list ("杭州市 · 西湖区（330106）", ≈3,200 of them) is not in the page: it is fetched once, when the search box
// is first focused or typed in, from data-options-url (JSON with an ETag; the browser keeps it), and fills the
// box's <datalist>. The chosen regions' names come with the page.
// Keyboard: type a name or code, ArrowDown/Enter in the browser's list (or Enter when one division matches);
// each chosen region has a remove button. Without this script the codes field is typed as before.
(function () {
  "use strict";
  const CODE = /(\d{6})）?$/;
  const lists = new Map(); // options URL -> Promise of the labels (one fetch per page, whatever the pickers)

  function fmt(text, values) {
    return text.replace(/%\((\w+)\)s/g, (m, k) => (k in values ? String(values[k]) : m));
  }

  function fetchList(url) {
    if (!lists.has(url)) {
      lists.set(url, fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((r) => { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
        .then((body) => body.regions));
    }
    return lists.get(url);
  }

  function setup(root) {
    const codes = root.querySelector("[data-region-codes]");
    const search = root.querySelector("[data-region-search]");
    const chosen = root.querySelector("[data-region-chosen]");
    const message = root.querySelector("[data-region-message]");
    const single = root.hasAttribute("data-single");
    const labels = new Map(); // code -> "杭州市 · 西湖区（330106）"; first the chosen ones (from the page)
    chosen.querySelectorAll("li[data-code]").forEach((li) => labels.set(li.dataset.code, li.textContent.trim()));
    let state = "idle"; // → "loading" → "ready" | "failed"
    let loaded = null;

    const current = () => codes.value.split(/[\s,，、]+/).filter(Boolean);
    const say = (text) => { message.textContent = text; };

    function load() {
      if (!loaded) {
        state = "loading";
        root.dataset.list = state;
        loaded = fetchList(root.dataset.optionsUrl).then((all) => {
          const options = document.createDocumentFragment();
          all.forEach((label) => {
            const m = CODE.exec(label);
            if (m) labels.set(m[1], label);
            const option = document.createElement("option");
            option.value = label;
            options.append(option);
          });
          search.list.replaceChildren(options);
          state = "ready";
        }).catch(() => {
          state = "failed";
          say(root.dataset.failed);
        }).finally(() => { root.dataset.list = state; });
      }
      return loaded;
    }

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
      if (single) codes.value = code;
      else if (!current().includes(code)) codes.value = current().concat([code]).join(" ");
      render();
      search.value = "";
      say(fmt(root.dataset.added, { name: labels.get(code) || code }));
    }

    // What the search box names: a whole option, a code, or the one division whose label contains the text.
    // Without the list (it failed to load) a six-digit code is taken as typed; the server checks it.
    function resolve(text) {
      const m = CODE.exec(text);
      if (m && (labels.has(m[1]) || (state === "failed" && m[0] === text))) return { code: m[1] };
      const hits = [];
      labels.forEach((label, code) => { if (label.includes(text)) hits.push(code); });
      return hits.length === 1 ? { code: hits[0] } : { count: hits.length };
    }

    search.addEventListener("focus", load);
    search.addEventListener("input", () => {
      load();
      // A pick from the browser's list (mouse or keyboard) puts a whole option into the box.
      const m = CODE.exec(search.value);
      if (m && state === "ready" && labels.get(m[1]) === search.value) add(m[1]);
    });
    search.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault(); // Enter in the search box picks; it never submits the form half-filled
      const text = search.value.trim();
      if (!text) return;
      load().then(() => {
        if (search.value.trim() !== text) return; // picked meanwhile
        const found = resolve(text);
        if (found.code) add(found.code);
        else if (found.count) say(fmt(root.dataset.several, { n: found.count }));
        else say(fmt(root.dataset.unknown, { value: text }));
      });
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
