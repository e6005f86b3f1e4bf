// The widget's stylesheet, scoped by the Shadow DOM. `:host` resets everything with
// !important so storefront rules like `* { all: unset }` cannot reach in; theming goes
// through the --frontline-* custom properties, which do cross the shadow boundary.

export const STYLES = `
:host{all:initial!important;display:block!important;position:static!important;visibility:visible!important;opacity:1!important;transform:none!important;contain:none!important}
*{box-sizing:border-box}
.root{--accent:var(--frontline-accent,#1f5fbf);--accent-text:var(--frontline-accent-text,#fff);--radius:var(--frontline-radius,14px);
font:15px/1.45 var(--frontline-font,system-ui,-apple-system,"Segoe UI",Roboto,sans-serif);color:#1d2430}
[hidden]{display:none!important}
button,input,textarea{font:inherit;color:inherit}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.launcher{position:fixed;bottom:20px;right:20px;z-index:2147483000;display:flex;align-items:center;gap:8px;padding:12px 18px;
border:0;border-radius:999px;background:var(--accent);color:var(--accent-text);font-weight:600;cursor:pointer;box-shadow:0 6px 20px rgba(0,0,0,.25)}
.launcher:focus-visible{outline-color:#1d2430;outline-offset:3px}
.launcher svg{width:20px;height:20px;fill:currentColor}
.launcher[data-unread]::after{content:"";width:10px;height:10px;border-radius:50%;background:#e5484d;border:2px solid #fff}
.left .launcher,.left .panel{right:auto;left:20px}
.panel{position:fixed;bottom:84px;right:20px;z-index:2147483001;width:380px;max-width:calc(100vw - 40px);height:600px;max-height:calc(100vh - 110px);
display:flex;flex-direction:column;background:#fff;border-radius:var(--radius);box-shadow:0 12px 40px rgba(0,0,0,.28);overflow:hidden}
header{display:flex;align-items:center;gap:8px;padding:14px 16px;background:var(--accent);color:var(--accent-text)}
h2{flex:1;margin:0;font-size:17px;font-weight:700}
.close{border:0;background:transparent;color:inherit;font-size:26px;line-height:1;width:36px;height:36px;border-radius:8px;cursor:pointer}
.close:focus-visible{outline-color:var(--accent-text);outline-offset:-3px}
.status{padding:8px 16px;background:#eef3fb;border-bottom:1px solid #dbe3ef;font-size:14px;font-weight:600}
.status[data-status=claimed]{background:#e8f6ee}.status[data-status=resolved]{background:#f1f1f1}
.note{padding:8px 16px;background:#fff7e0;border-bottom:1px solid #f0e0b0;font-size:14px}
.log{flex:1;overflow-y:auto;padding:14px 16px;display:flex;flex-direction:column;gap:10px}
.msg{max-width:85%;padding:8px 12px;border-radius:12px;white-space:pre-wrap;overflow-wrap:anywhere}
.msg .who{display:block;font-size:12px;font-weight:700;opacity:.75}.msg .rich{white-space:normal}.rich>:first-child{margin-top:0}.rich>:last-child{margin-bottom:0}
.customer{align-self:flex-end;background:var(--accent);color:var(--accent-text)}
.assistant,.agent{align-self:flex-start;background:#f0f2f5}
.agent{background:#e8f6ee}
.system{align-self:center;max-width:100%;font-size:13px;color:#4a5566;text-align:center}
.card{align-self:stretch;border:1px solid #dbe0e7;border-radius:12px;padding:12px 14px;background:#fff}
.card h3{margin:0 0 6px;font-size:16px}
.card .lang-note{margin:0 0 6px;font-size:13px;font-style:italic;color:#5b6472}
.card .body{overflow-wrap:anywhere}.card .body>:first-child{margin-top:0}.card .body>:last-child{margin-bottom:0}
.card pre{overflow-x:auto;background:#f5f6f8;padding:8px;border-radius:6px}
a{color:var(--accent)}a:not([href]){color:inherit}
.row{display:flex;flex-wrap:wrap;align-items:center;gap:8px;margin-top:10px;font-size:14px}
.chip{border:1px solid var(--accent);background:#fff;color:var(--accent);border-radius:999px;padding:5px 14px;cursor:pointer;font-weight:600}
.chip[aria-pressed=true]{background:var(--accent);color:var(--accent-text)}
form.csat{display:flex;flex-direction:column;gap:8px}.csat .row{margin-top:0}.scale{justify-content:space-between;font-size:12px;color:#4a5566}
.thanks{margin:0}
.choices{display:flex;flex-direction:column;gap:6px;margin-top:6px}
.choice{display:block;width:100%;text-align:left;border:1px solid #dbe0e7;background:#fff;border-radius:10px;padding:8px 10px;cursor:pointer}
.choice strong{display:block}.choice span{display:block;font-size:13px;color:#4a5566}
.suggest{border-top:1px solid #e4e7ec;padding:6px 12px;max-height:40%;overflow-y:auto}
.suggest p{margin:2px 4px;font-size:12px;font-weight:700;color:#4a5566}
form.compose{display:flex;gap:8px;padding:10px 12px;border-top:1px solid #e4e7ec}
input,textarea{flex:1;min-width:0;border:1px solid #b8c0cc;border-radius:10px;padding:9px 11px;background:#fff}
textarea{resize:vertical;min-height:64px}
.primary{border:0;border-radius:10px;padding:9px 16px;background:var(--accent);color:var(--accent-text);font-weight:600;cursor:pointer}
.primary:disabled{opacity:.6;cursor:default}
.attach{border:0;background:transparent;color:var(--accent);cursor:pointer;padding:4px;display:flex;align-items:center}.attach[hidden]{display:none}
.attach svg{width:22px;height:22px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round}.msg.failed{opacity:.55}
.files img.preview,.files img.attachment{display:block;max-width:100%;max-height:160px;border-radius:8px;margin:4px 0}.msg a.file{color:inherit;text-decoration:underline}.files .file{display:block}.progress{display:block;font-size:12px;opacity:.8}
.human{margin:0 12px 12px;border:0;background:transparent;color:var(--accent);font-weight:600;text-decoration:underline;cursor:pointer;padding:4px}
form.handoff{display:flex;flex-direction:column;gap:8px;padding:12px 16px;border-top:1px solid #e4e7ec;overflow-y:auto}
form.handoff h3{margin:0;font-size:16px}form.handoff p{margin:0;font-size:14px}
label{display:flex;flex-direction:column;gap:3px;font-size:13px;font-weight:600}
label input,label textarea{font-weight:400;font-size:15px}
label.check{flex-direction:row;align-items:center;gap:8px;font-weight:400}label.check input{flex:none;width:18px;height:18px}
[aria-invalid=true]{border-color:#c62828;box-shadow:0 0 0 1px #c62828}
.error{color:#b3261e;font-size:13px;font-weight:600}
.actions{display:flex;gap:8px;justify-content:flex-end}
.secondary{border:1px solid #b8c0cc;border-radius:10px;padding:9px 14px;background:#fff;cursor:pointer}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:480px){.panel,.left .panel{inset:0;width:100%;max-width:none;height:100%;max-height:none;border-radius:0}.open .launcher{visibility:hidden}}
@media (prefers-reduced-motion:no-preference){.panel{animation:in .15s ease-out}@keyframes in{from{opacity:0;transform:translateY(8px)}}}
`;
