/** How a page configures the widget (the script tag's data-* attributes, or mount()). */
export interface WidgetOptions {
  /** The gateway's origin, e.g. https://chat.example.com (default: the page's origin). */
  endpoint?: string;
  /** The public widget token, when the gateway requires one. */
  token?: string;
  locale?: string;
  position?: "right" | "left";
  theme?: "light" | "dark" | "auto";
  title?: string;
  /** Brand colour (any CSS colour with AA contrast against white text). */
  color?: string;
  /** "inherit": the page's font family instead of the widget's system font stack. */
  font?: "system" | "inherit";
}

/** The events the page can follow: window.TaliaWebchat.on(...) and talia:* DOM events. */
export type WidgetEvent = "open" | "close" | "message" | "lead";
