// Vigie's in-page collector: one bounded, read-only pass over the DOM.
// Returns plain data only; every list is capped so a hostile page cannot flood us.
(limits) => {
  const cap = (list, n) => list.slice(0, n);
  const text = (el) => (el.innerText || el.textContent || "").replace(/\s+/g, " ").trim().slice(0, 500);
  const cssPath = (el) => {
    if (!(el instanceof Element)) return "";
    const parts = [];
    while (el && el.nodeType === 1 && parts.length < 12) {
      if (el.id && /^[A-Za-z][\w-]*$/.test(el.id) && document.querySelectorAll("#" + el.id).length === 1) {
        parts.unshift("#" + el.id);
        break;
      }
      let part = el.localName;
      const parent = el.parentElement;
      if (parent) {
        const same = Array.from(parent.children).filter((c) => c.localName === el.localName);
        if (same.length > 1) part += `:nth-of-type(${same.indexOf(el) + 1})`;
      }
      parts.unshift(part);
      el = parent;
    }
    return parts.join(" > ");
  };
  const labelOf = (el) => {
    const fromLabels = el.labels ? Array.from(el.labels).map(text).join(" ") : "";
    const labelledBy = (el.getAttribute("aria-labelledby") || "").split(/\s+/)
      .map((id) => id && document.getElementById(id)).filter(Boolean).map(text).join(" ");
    return (fromLabels || labelledBy || el.getAttribute("aria-label") || "").trim().slice(0, 300);
  };
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none";
  };
  const doc = document.documentElement;
  const mainEl = document.querySelector("main, [role=main]");
  const frClasses = new Set();
  for (const el of document.querySelectorAll("[class*='fr-']")) {
    for (const c of el.classList) if (c.startsWith("fr-")) frClasses.add(c);
    if (frClasses.size >= limits.fr_classes) break;
  }
  const viewportMeta = document.querySelector('meta[name="viewport" i]');
  const nav = performance.getEntriesByType("navigation")[0];
  return {
    url: location.href,
    title: document.title.slice(0, 2000),
    lang: doc.getAttribute("lang"),
    dir: doc.getAttribute("dir"),
    viewport_meta: viewportMeta ? viewportMeta.getAttribute("content") : null,
    widths: {
      document_scroll: doc.scrollWidth,
      document_client: doc.clientWidth,
      body_scroll: document.body ? document.body.scrollWidth : null,
      window_inner: window.innerWidth,
    },
    links: cap(Array.from(document.querySelectorAll("a[href], area[href]")), limits.links).map((a) => ({
      text: text(a),
      href: a.href,
      raw_href: a.getAttribute("href"),
      aria_label: a.getAttribute("aria-label"),
      title: a.getAttribute("title"),
      rel: a.getAttribute("rel"),
      target: a.getAttribute("target"),
      img_alts: Array.from(a.querySelectorAll("img")).map((i) => i.getAttribute("alt")),
      img_srcs: Array.from(a.querySelectorAll("img")).map((i) => i.currentSrc || i.src),
      classes: typeof a.className === "string" ? a.className : "",
      visible: visible(a),
      selector: cssPath(a),
    })),
    buttons: cap(Array.from(document.querySelectorAll("button, input[type=button], input[type=submit], [role=button]")), limits.buttons).map((b) => ({
      text: text(b) || b.value || "",
      type: b.getAttribute("type"),
      classes: b.className && typeof b.className === "string" ? b.className : "",
      aria_label: b.getAttribute("aria-label"),
      selector: cssPath(b),
    })),
    images: cap(Array.from(document.images), limits.images).map((i) => ({
      src: i.currentSrc || i.src,
      alt: i.getAttribute("alt"),
      width: i.naturalWidth,
      height: i.naturalHeight,
      selector: cssPath(i),
    })),
    forms: cap(Array.from(document.forms), limits.forms).map((f) => ({
      action: f.action,
      method: (f.getAttribute("method") || "get").toLowerCase(),
      id: f.id || null,
      name: f.getAttribute("name"),
      selector: cssPath(f),
      fields: cap(Array.from(f.elements), limits.fields).filter((e) => e.localName !== "fieldset").map((e) => ({
        tag: e.localName,
        type: e.getAttribute("type") || (e.localName === "input" ? "text" : e.localName),
        name: e.getAttribute("name"),
        id: e.id || null,
        autocomplete: e.getAttribute("autocomplete"),
        required: !!e.required,
        label: labelOf(e),
        placeholder: e.getAttribute("placeholder"),
        accept: e.getAttribute("accept"),
      })),
    })),
    iframes: cap(Array.from(document.querySelectorAll("iframe")), limits.iframes).map((f) => ({
      src: f.src, title: f.getAttribute("title"), selector: cssPath(f),
    })),
    headings: cap(Array.from(document.querySelectorAll("h1, h2, h3, h4, h5, h6")), limits.headings).map((h) => ({
      level: Number(h.localName[1]), text: text(h),
    })),
    // Elements some checks look for by attribute or class (the DOM, never escaped text).
    data_attributes: cap(Array.from(document.querySelectorAll("[data-jdma-form-url], [data-jdma-button]")), limits.buttons).map((e) => ({
      tag: e.localName,
      form_url: e.getAttribute("data-jdma-form-url"),
      button: e.getAttribute("data-jdma-button"),
      selector: cssPath(e),
    })),
    connect_buttons: cap(Array.from(document.querySelectorAll(".fr-connect, .fr-connect-group, .fr-btn--franceconnect, .franceconnect-button, [class*='agentconnect'], [class*='proconnect']")), limits.buttons).map((e) => {
      const form = e.closest("form");
      const link = e.closest("a") || e.querySelector("a");
      // Help links belong to the button's own group, its own content or the paragraph right
      // after it: a FranceConnect+ link elsewhere in the parent must not relabel the button.
      const next = e.nextElementSibling;
      const scopes = [e.closest(".fr-connect-group") || e, next && next.localName === "p" ? next : null];
      return {
        tag: e.localName,
        classes: typeof e.className === "string" ? e.className : "",
        text: text(e),
        brand: text(e.querySelector(".fr-connect__brand") || document.createElement("span")),
        form_action: form ? form.action : null,
        href: link ? link.href : null,
        help_links: scopes.filter(Boolean).flatMap((s) => Array.from(s.querySelectorAll("a[href]")).map((a) => a.href)),
        visible: visible(e),
        selector: cssPath(e),
      };
    }),
    fr_classes: Array.from(frClasses),
    font_families: Array.from(document.fonts || []).map((f) => f.family.replace(/["']/g, "")).filter((v, i, all) => all.indexOf(v) === i).slice(0, 50),
    // Text shown as code (documentation pages quoting markup): never the real thing.
    code_texts: cap(Array.from(document.querySelectorAll("pre, code, xmp, samp")), limits.headings).map((e) => (e.textContent || "").slice(0, 2000)),
    main_text: (mainEl ? mainEl.innerText : "").slice(0, limits.text_chars),
    scripts: cap(Array.from(document.scripts).map((s) => s.src).filter(Boolean), limits.assets),
    stylesheets: cap(Array.from(document.querySelectorAll('link[rel~="stylesheet" i]')).map((l) => l.href), limits.assets),
    visible_text: (document.body ? document.body.innerText : "").slice(0, limits.text_chars),
    timing: nav ? {
      ttfb_ms: Math.round(nav.responseStart - nav.startTime),
      dom_content_loaded_ms: Math.round(nav.domContentLoadedEventEnd - nav.startTime),
      load_ms: Math.round(nav.loadEventEnd - nav.startTime),
      transfer_size: nav.transferSize,
    } : null,
  };
}
