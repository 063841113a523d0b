/* The grade grid: keyboard navigation (arrows and Enter, mirrored in RTL), paste of a block
   copied from a spreadsheet, live validation of marks (0–20, two decimals, comma or dot), and
   a save that sends only the rows that changed (the form still works without this file). */
(function () {
  "use strict";
  var table = document.querySelector("table[data-grid=open]");
  var form = document.getElementById("grid-form");
  if (!table || !form) return;
  var messages = JSON.parse(document.getElementById("grid-messages").textContent);
  var liveError = document.getElementById("grid-live-error");
  var rtl = document.documentElement.getAttribute("dir") === "rtl";
  var MARK = /^\d{1,2}([.,]\d{1,2})?$/;
  var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-row]"));

  function cellsOf(tr) {
    return Array.prototype.slice.call(tr.querySelectorAll("input.mark-input, input.remark-input"));
  }

  function say(key, value) {
    return messages[key].replace("{value}", value);
  }

  /* The server's rule, for the live message: "" when the text is a valid mark or empty. */
  function problem(text) {
    text = text.trim();
    if (text === "") return "";
    var number = Number(text.replace(",", "."));
    if (!MARK.test(text)) {
      if (isNaN(number) || !/^-?[\d.,]+$/.test(text)) return say("not_mark", text);
      if (number < 0) return say("below", text);
      if (number > 20) return say("above", text);
      return say("decimals", text);
    }
    if (number > 20) return say("above", text);
    return "";
  }

  function check(input) {
    if (!input.classList.contains("mark-input")) return true;
    var message = problem(input.value);
    var feedback = input.parentNode.querySelector(".invalid-feedback");
    input.classList.toggle("is-invalid", message !== "");
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    if (feedback) feedback.textContent = message;
    return message === "";
  }

  function absentBox(input) {
    return input.parentNode.querySelector("input.absent-input");
  }

  function dirty(tr) {
    if (tr.getAttribute("data-typed") === "1") return true;
    return Array.prototype.some.call(tr.querySelectorAll("input"), function (i) {
      if (i.type === "hidden") return false;
      if (i.type === "checkbox") return i.checked !== i.defaultChecked;
      return i.value !== i.defaultValue;
    });
  }

  function markRow(tr) {
    tr.classList.toggle("is-dirty", dirty(tr));
  }

  function move(input, dRow, dCol) {
    var tr = input.closest("tr");
    var r = rows.indexOf(tr) + dRow;
    var c = cellsOf(tr).indexOf(input) + dCol;
    if (r < 0 || r >= rows.length) return;
    var target = cellsOf(rows[r])[c];
    if (target) {
      target.focus();
      target.select();
    }
  }

  function atEdge(input, forward) {
    try {
      var len = input.value.length;
      if (input.selectionStart === 0 && input.selectionEnd === len) return true;
      return forward ? input.selectionEnd === len : input.selectionStart === 0;
    } catch (e) {
      return true;
    }
  }

  table.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input.mark-input, input.remark-input")) return;
    var key = event.key;
    if (key === "Enter") {
      event.preventDefault();
      move(input, event.shiftKey ? -1 : 1, 0);
    } else if (key === "ArrowDown") {
      event.preventDefault();
      move(input, 1, 0);
    } else if (key === "ArrowUp") {
      event.preventDefault();
      move(input, -1, 0);
    } else if (key === "ArrowRight" || key === "ArrowLeft") {
      /* the next column is to the right in French, to the left in Arabic */
      var forward = (key === "ArrowRight") !== rtl;
      var caretForward = key === "ArrowRight"; /* the caret moves with the text's direction */
      /* marks are short: the arrows always move between cells; in a remark the caret moves
         first, and the arrow leaves the cell at the text's edge */
      if (input.classList.contains("remark-input") && !atEdge(input, caretForward)) return;
      event.preventDefault();
      move(input, 0, forward ? 1 : -1);
    }
  });

  table.addEventListener("input", function (event) {
    var input = event.target;
    if (input.classList.contains("mark-input")) check(input);
    if (!table.querySelector(".mark-input.is-invalid")) liveError.classList.add("d-none");
    var tr = input.closest("tr");
    if (tr) markRow(tr);
  });

  table.addEventListener("change", function (event) {
    var input = event.target;
    if (input.classList.contains("absent-input")) {
      input.closest("td").classList.toggle("is-absent", input.checked);
      markRow(input.closest("tr"));
    }
  });

  /* A block copied from a spreadsheet (tab-separated columns, one line per row) fills the grid
     from the cell it is pasted into, down and across; "abs" marks an absence. */
  table.addEventListener("paste", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("mark-input")) return;
    var text = (event.clipboardData || window.clipboardData).getData("text");
    if (!/[\t\n\r]/.test(text.replace(/[\r\n]+$/, ""))) return;
    event.preventDefault();
    var lines = text.replace(/\r\n?/g, "\n").replace(/\n+$/, "").split("\n");
    var r0 = rows.indexOf(input.closest("tr"));
    var c0 = cellsOf(input.closest("tr")).indexOf(input);
    lines.forEach(function (line, i) {
      var tr = rows[r0 + i];
      if (!tr) return;
      var cells = cellsOf(tr);
      line.split("\t").forEach(function (value, j) {
        var target = cells[c0 + j];
        if (!target) return;
        value = value.trim();
        if (target.classList.contains("mark-input") && /^abs/i.test(value)) {
          target.value = "";
          var box = absentBox(target);
          if (box) {
            box.checked = true;
            box.closest("td").classList.add("is-absent");
          }
        } else {
          target.value = value;
        }
        check(target);
      });
      markRow(tr);
    });
  });

  rows.forEach(function (tr) {
    Array.prototype.forEach.call(tr.querySelectorAll("input.absent-input"), function (box) {
      box.closest("td").classList.toggle("is-absent", box.checked);
    });
  });

  form.addEventListener("submit", function (event) {
    var bad = null;
    rows.forEach(function (tr) {
      cellsOf(tr).forEach(function (input) {
        if (!check(input) && !bad) bad = input;
      });
    });
    if (bad) {
      event.preventDefault();
      liveError.textContent = messages.invalid;
      liveError.classList.remove("d-none");
      bad.focus();
      return;
    }
    liveError.classList.add("d-none");
    /* rows left as they were are not sent: another person's save of them is no conflict */
    rows.forEach(function (tr) {
      if (dirty(tr)) return;
      Array.prototype.forEach.call(tr.querySelectorAll("input"), function (i) {
        i.disabled = true;
      });
    });
  });
})();
