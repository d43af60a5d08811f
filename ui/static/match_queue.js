// The match review queue's keys (progressive enhancement: every action is a plain form).
// j / ArrowDown: next offer; k / ArrowUp: previous offer; a: accept the offer's best
// candidate; r: reject it; n: make the offer a new product. Keys typed into a field, or
// with a modifier, are left alone.
(function () {
  "use strict";
  var items = Array.prototype.slice.call(document.querySelectorAll(".match-item"));
  if (!items.length) {
    return;
  }
  var current = 0;
  var fromHash = location.hash ? document.getElementById(location.hash.slice(1)) : null;
  if (fromHash && items.indexOf(fromHash) >= 0) {
    current = items.indexOf(fromHash);
  }

  function select(index, scroll) {
    current = Math.max(0, Math.min(items.length - 1, index));
    items.forEach(function (item, i) {
      item.classList.toggle("current", i === current);
      if (i === current) {
        item.setAttribute("aria-current", "true");
      } else {
        item.removeAttribute("aria-current");
      }
    });
    if (scroll) {
      items[current].focus({ preventScroll: true });
      items[current].scrollIntoView({ block: "start", behavior: "smooth" });
    }
  }

  function press(key) {
    var button = items[current].querySelector('button[data-key="' + key + '"]');
    if (button && !button.disabled) {
      button.disabled = true; // one decision per key press
      button.form.submit();
    }
  }

  select(current, Boolean(fromHash));
  items.forEach(function (item, i) {
    item.addEventListener("focusin", function () {
      select(i, false);
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) {
      return;
    }
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(target.tagName))) {
      if (target.tagName !== "BUTTON" || event.key === "Enter" || event.key === " ") {
        return;
      }
    }
    switch (event.key) {
      case "j":
      case "ArrowDown":
        select(current + 1, true);
        break;
      case "k":
      case "ArrowUp":
        select(current - 1, true);
        break;
      case "a":
      case "r":
      case "n":
        press(event.key);
        break;
      default:
        return;
    }
    event.preventDefault();
  });
})();
