import { describe, expect, it } from "vitest";

describe("the npm module (dist/widget.mjs, built by npm run build)", () => {
  it("exports the custom element and mount()", async () => {
    const mod = await import("../dist/widget.mjs");
    expect(typeof mod.mount).toBe("function");
    expect(mod.TaliaWebchatElement.prototype).toBeInstanceOf(HTMLElement);
    const el = mod.mount({ endpoint: "https://chat.example" });
    expect(el).toBeInstanceOf(mod.TaliaWebchatElement);
    expect(el.tagName.toLowerCase()).toBe("talia-webchat");
    expect(el.shadowRoot?.querySelector(".launcher")).not.toBeNull();
    el.remove();
  });
});
