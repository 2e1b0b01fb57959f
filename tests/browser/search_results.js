// The search page's results once Sphinx has listed them all and fetched each
// snippet: [{href, title, snippet}] in rank order.
async () => {
  const done = () => /found|did not match/i.test((document.querySelector("#search-results .search-summary") || {}).textContent || "");
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 50));
  const items = () => Array.from(document.querySelectorAll("#search-results li"));
  for (let i = 0; i < 100 && items().some((li) => !li.querySelector("p.context")); i++) {
    await new Promise((r) => setTimeout(r, 50));  // a result's snippet is fetched after it is listed
  }
  return items().map((li) => ({
    href: (li.querySelector("a") || {}).href || "",
    title: (li.querySelector("a") || {}).textContent || "",
    snippet: (li.querySelector("p.context") || {}).textContent || "",
  }));
}
