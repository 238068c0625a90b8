// Run by the browser tests in each page: unnamed controls, low-contrast text, landmarks.
const named = (el) => {
  if (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.title) return true;
  if (el.id && document.querySelector(`label[for="${el.id}"]`)) return true;
  if (el.closest('label')) return true;
  return (el.textContent || '').trim().length > 0 || (el.value && el.type === 'submit');
};
const visible = (el) => {
  const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
  return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
};
const unnamed = [...document.querySelectorAll('button, input, textarea, select, a[href]')]
  .filter((el) => visible(el) && el.type !== 'hidden' && !named(el))
  .map((el) => el.outerHTML.slice(0, 120));
const rgb = (c) => { const m = c.match(/[\d.]+/g) || [0, 0, 0, 0]; return m.map(Number); };
const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
const lum = ([r, g, b]) => {
  const f = channel;
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
const background = (el) => {
  for (let e = el; e; e = e.parentElement) {
    const c = rgb(getComputedStyle(e).backgroundColor);
    if (c.length < 4 || c[3] > 0.9) return c.slice(0, 3);
    if (getComputedStyle(e).backgroundImage !== 'none') return null;  // gradients: not judged
  }
  return [255, 255, 255];
};
const low = [];
for (const el of document.querySelectorAll('body *')) {
  const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
  if (!own || !visible(el)) continue;
  const s = getComputedStyle(el); const bg = background(el); if (!bg) continue;
  const fg = rgb(s.color); const [a, b] = [lum(fg.slice(0, 3)), lum(bg)];
  const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  const large = parseFloat(s.fontSize) >= 24 || (parseFloat(s.fontSize) >= 18.66 && Number(s.fontWeight) >= 700);
  if (ratio < (large ? 3 : 4.5)) low.push(`${el.tagName}.${el.className}: ${ratio.toFixed(2)} "${el.textContent.trim().slice(0, 40)}"`);
}
return {unnamed, low, lang: document.documentElement.lang, title: document.title,
        main: !!document.querySelector('main'), h1: document.querySelectorAll('h1').length};
