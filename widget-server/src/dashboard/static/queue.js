// Progressive enhancement for /admin/queue: refresh the table every 5 s; without JS,
// reload the page. A file, not an inline script, so the page's CSP can forbid inline code.
setInterval(async () => {
  const response = await fetch("/admin/queue/table", { credentials: "same-origin", redirect: "manual" });
  if (response.ok) document.getElementById("queue").innerHTML = await response.text();
}, 5000);
