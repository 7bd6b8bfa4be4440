import { describe, expect, it } from "vitest";
import { render, safeUrl } from "../src/format";

function html(text: string): string {
  const div = document.createElement("div");
  render(document, text, div);
  return div.innerHTML;
}

describe("format", () => {
  it("keeps markup as text", () => {
    const div = document.createElement("div");
    render(document, '<img src=x onerror="alert(1)"><script>alert(2)</script>', div);
    expect(div.querySelector("img, script")).toBeNull();
    expect(div.textContent).toBe('<img src=x onerror="alert(1)"><script>alert(2)</script>');
  });

  it("builds bold, line breaks and http(s) links from DOM nodes", () => {
    expect(html("**Hola** Ana\nmira https://talia.example/precios.")).toMatchSnapshot();
    const div = document.createElement("div");
    render(document, "[la política](https://talia.example/privacidad)", div);
    const a = div.querySelector("a")!;
    expect(a.getAttribute("href")).toBe("https://talia.example/privacidad");
    expect(a.getAttribute("rel")).toBe("noopener noreferrer");
    expect(a.getAttribute("target")).toBe("_blank");
    expect(a.textContent).toBe("la política");
  });

  it("never links anything but absolute http(s) URLs", () => {
    for (const bad of [
      "javascript:alert(1)",
      "data:text/html,x",
      "vbscript:x",
      "/relative",
      "//evil.example",
    ]) {
      expect(safeUrl(bad)).toBeNull();
      const div = document.createElement("div");
      render(document, `[x](${bad})`, div);
      expect(div.querySelector("a")).toBeNull();
      expect(div.textContent).toBe(`[x](${bad})`);
    }
    expect(safeUrl("https://a.example/x?y=1")).toBe("https://a.example/x?y=1");
  });
});
