// Exam marks grid: a mark and 'absent' exclude each other; marks are checked as typed.
(function () {
  "use strict";
  document.querySelectorAll("input.exam-mark").forEach(function (input) {
    var absent = document.getElementById(input.id.replace("score_", "absent_"));
    input.addEventListener("input", function () {
      input.classList.toggle("is-invalid", !input.checkValidity());
      if (input.value.trim() !== "" && absent) { absent.checked = false; }
    });
    if (absent) {
      absent.addEventListener("change", function () {
        if (absent.checked) { input.value = ""; input.classList.remove("is-invalid"); }
      });
    }
  });
})();
