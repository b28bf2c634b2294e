// 申请达标: show one step at a time, and the chosen institution's 机构详情.
(function () {
  const form = document.getElementById("apply-form");
  if (!form) return;
  const steps = form.querySelectorAll("[data-step]");
  function show(step) {
    // "all": the page came back with errors; show every field at once (no step buttons).
    steps.forEach((s) => s.classList.toggle("d-none", step !== "all" && s.dataset.step !== String(step)));
    form.querySelectorAll("[data-next-step], [data-prev-step]").forEach(
      (b) => b.classList.toggle("d-none", step === "all"));
  }
  function stepOneProblems() {
    const problems = [];
    const model = form.querySelector("#product_model");
    if (!model.value.trim()) problems.push(model);
    const institution = form.querySelector("#institution_id");
    if (!institution.value) problems.push(institution);
    const reports = form.querySelector("#reports");
    if (!reports.files.length) problems.push(reports);
    return problems;
  }
  // The messages the server would give, in the page's language, said at each field before step two.
  const messages = JSON.parse(form.querySelector("[data-step='1']").dataset.requiredMessages || "{}");
  function say(el, text) {
    const note = document.createElement("div");
    note.className = "invalid-feedback d-block";
    note.dataset.clientError = el.id;
    note.textContent = text || messages[el.id] || "";
    el.insertAdjacentElement("afterend", note);
  }
  // A 产品型号 already applied for (or certified) is named now, not after step two.
  async function modelRefusal(model) {
    try {
      const answer = await fetch(`${form.dataset.modelCheck}?model=${encodeURIComponent(model)}`,
                                 {headers: {Accept: "application/json"}});
      return answer.ok ? (await answer.json()).message : null;
    } catch (error) {
      return null; // the submission checks again
    }
  }
  form.querySelector("[data-next-step]").addEventListener("click", async () => {
    const problems = stepOneProblems();
    form.querySelectorAll(".is-invalid").forEach((el) => el.classList.remove("is-invalid"));
    form.querySelectorAll("[data-client-error]").forEach((el) => el.remove());
    problems.forEach((el) => { el.classList.add("is-invalid"); say(el); });
    if (problems.length !== 0) return;
    const model = form.querySelector("#product_model");
    const refusal = await modelRefusal(model.value.trim());
    if (refusal) {
      model.classList.add("is-invalid");
      say(model, refusal);
      return;
    }
    show(2);
  });
  form.querySelector("[data-prev-step]").addEventListener("click", () => show(1));
  show(form.dataset.startStep || "1");

  const select = form.querySelector("#institution_id");
  const button = document.getElementById("institution-details-button");
  function details(open) {
    document.querySelectorAll("[data-institution-details]").forEach((card) => {
      card.classList.toggle("d-none", !(open && card.dataset.institutionDetails === select.value));
    });
  }
  let open = false;
  button.addEventListener("click", () => { open = !open; details(open); });
  select.addEventListener("change", () => details(open));
})();
