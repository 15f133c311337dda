// Amounts are typed in 万元; beside each such field this shows the 元 value it stands for (portal/core/money.py
// renders the same hint on the server, so the page works without this script).
(() => {
  const pattern = /^(\d+)(?:\.(\d*))?$|^\.(\d+)$/;
  const yuanOf = (text) => {
    const cleaned = text.replace(/[\s,，]/g, "");
    const m = pattern.exec(cleaned);
    if (!m) return null;
    const whole = m[1] || "0";
    const frac = (m[2] ?? m[3] ?? "").replace(/0+$/, "");
    if (frac.length > 6) return null;
    // 万元 → 分 exactly, as strings: whole·10^6 分 + the six fraction digits.
    const fen = BigInt(whole) * 1000000n + BigInt((frac + "000000").slice(0, 6));
    const yuan = fen / 100n, cents = fen % 100n;
    return `${yuan.toLocaleString("en-US")}.${cents.toString().padStart(2, "0")}`;
  };
  const update = (input) => {
    const hint = input.parentElement && input.parentElement.querySelector(`output[for="${input.id}"][data-wan-hint]`);
    if (!hint) return;
    const yuan = input.value.trim() === "" ? null : yuanOf(input.value.trim());
    hint.textContent = yuan === null ? "" : "= " + hint.dataset.yuanUnit.replace("%(amount)s", yuan);
  };
  document.addEventListener("input", (event) => {
    if (event.target.matches && event.target.matches("input[data-wan]")) update(event.target);
  });
  document.querySelectorAll("input[data-wan]").forEach(update);
})();
