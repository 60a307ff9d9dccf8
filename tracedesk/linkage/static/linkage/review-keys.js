// Keyboard shortcuts of the review screen: a key activates the element with data-key="<key>".
// Ignored while typing in a field or with a modifier held (browser shortcuts stay intact).
document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))) return;
  const element = document.querySelector(`[data-key="${CSS.escape(event.key)}"]`);
  if (element) {
    event.preventDefault();
    element.click();
  }
});
