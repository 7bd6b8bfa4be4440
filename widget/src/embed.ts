import { mount, optionsFromScript, type TaliaWebchatElement, type WidgetEvent } from "./widget";

/** The page API: window.TaliaWebchat.open(), .close(), .on('lead' | 'message' | 'open' | 'close', fn). */
export interface PageApi {
  open(): void;
  close(): void;
  on(event: WidgetEvent, fn: (detail: unknown) => void): () => void;
}

declare global {
  interface Window {
    TaliaWebchat?: PageApi;
  }
}

// document.currentScript is only set while this script runs, so it is read first.
const script = document.currentScript as HTMLScriptElement | null;

function start(): void {
  if (window.TaliaWebchat) return;
  const el: TaliaWebchatElement = mount(script ? optionsFromScript(script) : {});
  window.TaliaWebchat = {
    open: () => el.open(),
    close: () => el.close(),
    on: (event, fn) => el.on(event, fn),
  };
  document.dispatchEvent(new CustomEvent("talia:ready"));
}

// A script in <head> runs before there is a body (DOM's types say it is never null).
if ((document.body as HTMLElement | null) !== null) start();
else document.addEventListener("DOMContentLoaded", start, { once: true });
