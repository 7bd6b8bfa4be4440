import { TaliaWebchatElement, type WidgetEvent, type WidgetOptions } from "./element";

export { TaliaWebchatElement, type WidgetEvent, type WidgetOptions };

export const TAG = "talia-webchat";

declare global {
  interface HTMLElementTagNameMap {
    [TAG]: TaliaWebchatElement;
  }
}

/** Defines the custom element (once) and mounts a widget on the page. */
export function mount(
  options: WidgetOptions = {},
  parent: Element = document.body,
): TaliaWebchatElement {
  if (!customElements.get(TAG)) customElements.define(TAG, TaliaWebchatElement);
  const el = document.createElement(TAG);
  el.options = options;
  parent.appendChild(el);
  return el;
}

/** Reads the embedding script tag's data-* attributes. */
export function optionsFromScript(script: HTMLScriptElement): WidgetOptions {
  const d = script.dataset;
  const theme =
    d.theme === "light" || d.theme === "dark" || d.theme === "auto" ? d.theme : undefined;
  return {
    endpoint: d.endpoint || new URL(script.src, location.href).origin,
    token: d.token || undefined,
    locale: d.locale === "en" ? "en" : d.locale === "es" ? "es" : undefined,
    position: d.position === "left" ? "left" : "right",
    theme,
    title: d.title || undefined,
    color: d.color || undefined,
    font: d.font === "inherit" ? "inherit" : undefined,
  };
}
