// The first bytes of a few same-origin stylesheets and scripts: where DSFR and other libraries
// print their version banner (/*! DSFR v1.12.1 ...). Read from the browser cache when possible;
// each read is cut short, and a failed one is simply absent.
async ({ urls, bytes, ms }) => {
  const head = async (url) => {
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), ms);
    try {
      const res = await fetch(url, { signal: ctrl.signal, cache: "force-cache", credentials: "omit" });
      if (!res.ok) return null;
      const reader = res.body.getReader();
      let text = "";
      const decoder = new TextDecoder();
      while (text.length < bytes) {
        const { done, value } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
      reader.cancel();
      return { url, head: text.slice(0, bytes) };
    } catch (e) {
      return null;
    } finally {
      clearTimeout(timer);
    }
  };
  return (await Promise.all(urls.map(head))).filter(Boolean);
}
