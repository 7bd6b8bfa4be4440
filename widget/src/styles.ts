/**
 * The widget's CSS, applied as a constructable stylesheet (works under a CSP without 'unsafe-inline').
 *
 * The page's own rules never match inside the shadow root, but they do match the host element,
 * and what the host inherits every element of the chat inherits. So the host resets every property
 * (`all: initial`) and sets the inherited ones it needs, all !important: the page's !important
 * loses to it (between tree contexts, the inner one wins for important declarations), and its
 * normal declarations lose to any !important. `all` leaves out direction, unicode-bidi and custom
 * properties, which are set here too. --talia-brand and --talia-on-brand alone stay the page's to
 * set (data-color does). The host draws no ::before or ::after, and the chat's text selection
 * does not inherit the page's ::selection colours.
 */
export const CSS = `
:host{all:initial!important;position:fixed!important;bottom:20px!important;right:20px!important;z-index:2147483000!important;
 direction:ltr!important;unicode-bidi:normal!important;color:var(--fg)!important;
 font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif!important;
 --talia-brand:#0b57a4;--talia-on-brand:#fff;--bg:#fff!important;--fg:#1b1b1f!important;--muted:#4a4a55!important;
 --bubble:#eef1f6!important;--line:#c9ced8!important;--link:var(--talia-brand)!important}
:host::before,:host::after{content:none!important}
::selection{color:HighlightText;background-color:Highlight;text-shadow:none;text-decoration:none;-webkit-text-fill-color:currentcolor;-webkit-text-stroke:0}
:host([data-font=inherit]){font-family:inherit!important}
:host([data-position=left]){right:auto!important;left:20px!important}
:host([data-theme=dark]){--bg:#1c1d21!important;--fg:#f2f2f4!important;--muted:#c3c5cc!important;--bubble:#2c2e35!important;--line:#4a4d57!important;--link:#9cc8ff!important}
@media (prefers-color-scheme:dark){:host([data-theme=auto]){--bg:#1c1d21!important;--fg:#f2f2f4!important;--muted:#c3c5cc!important;--bubble:#2c2e35!important;--line:#4a4d57!important;--link:#9cc8ff!important}}
*{box-sizing:border-box}
button{font:inherit;cursor:pointer}
:focus-visible{outline:3px solid var(--talia-brand);outline-offset:2px}
.launcher{width:60px;height:60px;border-radius:50%;border:0;background:var(--talia-brand);color:var(--talia-on-brand);box-shadow:0 4px 14px rgba(0,0,0,.25);display:grid;place-items:center}
.launcher svg{width:28px;height:28px;fill:currentColor}
.launcher:focus-visible{outline-color:var(--fg)}
.panel{position:absolute;bottom:0;right:0;width:370px;height:min(580px,calc(100vh - 40px));display:flex;flex-direction:column;background:var(--bg);color:var(--fg);border:1px solid var(--line);border-radius:14px;box-shadow:0 10px 30px rgba(0,0,0,.25);overflow:hidden}
:host([data-position=left]) .panel{right:auto;left:0}
.panel[hidden],.launcher[hidden],[hidden]{display:none!important}
header{display:flex;align-items:center;justify-content:space-between;padding:12px 14px;background:var(--talia-brand);color:var(--talia-on-brand)}
header h2{margin:0;font-size:16px;font-weight:600}
header button{border:0;background:transparent;color:inherit;width:36px;height:36px;border-radius:8px;font-size:22px;line-height:1}
header button:focus-visible{outline-color:var(--talia-on-brand)}
.log{flex:1;overflow-y:auto;padding:14px;display:flex;flex-direction:column;gap:8px}
.msg{max-width:85%;padding:8px 12px;border-radius:12px;white-space:normal;overflow-wrap:anywhere}
.msg.assistant{align-self:flex-start;background:var(--bubble)}
.msg.user{align-self:flex-end;background:var(--talia-brand);color:var(--talia-on-brand)}
.msg.user a{color:inherit}
.msg a{color:var(--link);text-decoration:underline}
.msg .note{font-size:13px;font-style:italic;color:var(--muted)}
.msg.failed{outline:2px solid #b3261e}
.failure{align-self:flex-end;font-size:13px;color:var(--muted)}
.failure button{margin-left:6px;border:1px solid var(--line);background:var(--bg);color:var(--fg);border-radius:6px;padding:2px 8px}
.typing,.status{font-size:13px;color:var(--muted);padding:0 14px 6px}
.consent{padding:14px;border-top:1px solid var(--line);display:flex;flex-direction:column;gap:8px;font-size:14px}
.consent a{color:inherit}
.consent button,.composer button{border:0;border-radius:8px;background:var(--talia-brand);color:var(--talia-on-brand);padding:9px 14px;font-weight:600}
.withdraw{align-self:flex-start;margin:0 10px 8px;border:0;background:none;color:var(--muted);font-size:13px;text-decoration:underline;padding:2px}
.composer{display:flex;gap:8px;padding:10px;border-top:1px solid var(--line)}
.composer textarea{flex:1;resize:none;font:inherit;color:var(--fg);background:var(--bg);border:1px solid var(--line);border-radius:8px;padding:8px;height:42px}
@media (max-width:480px){:host([open]){inset:0!important}.panel{position:fixed;inset:0;width:100vw;height:100%;border-radius:0;border:0}}
`;
