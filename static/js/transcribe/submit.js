// Sending an answer. It goes through the outbox (outbox.js) so that one made offline is sent,
// once, when the connection returns; what the server says of it decides what comes next: the
// next image, the comparison with the expert's reading, or the reasons it was refused.
// `page` is the page's shared state and actions (see transcribe.js).

import {ApiError} from "../lib/api.js";
import {t} from "../lib/messages.js";
import {draftRemove} from "./drafts.js";
import {keptPanel} from "./kept.js";
import {newIdempotencyKey, Outbox} from "./outbox.js";

/** The outbox of `user`, wired to the page, and `submit`, which sends the form's answer.
 * `kept` is the [data-kept] panel, `feedback` the feedback panel (feedback.js). */
export function submission(page, {user, practice, kept: keptElement, feedback, refreshTraining, refreshCounts}) {
  const kept = keptPanel(keptElement);
  const outbox = new Outbox(user, {
    // Any 2xx: 201 recorded now, 200 recorded already (a retry of a saved answer). An answer
    // on a training image carries its comparison in `feedback` when the volunteer sees it.
    onDelivered(entry, answer) {
      draftRemove(user, entry.taskId);
      refreshCounts();
      const mine = page.current && entry.taskId === page.current.task.id;
      // Answers on known-answer images move the level (also blind ones, shown no feedback):
      // the next image's form unlocks the fields it reached.
      if (answer?.feedback || page.training?.level?.next) refreshTraining();
      if (answer?.feedback) {
        if (practice && mine) {
          // The volunteer reads the comparison (the panel reads it out), then asks for the
          // next practice image.
          page.setState("checked");
          page.say("");
          feedback.show(answer.feedback, {next: () => page.loadNext()});
          return;
        }
        feedback.show(answer.feedback);
      }
      if (!page.current || mine) page.loadNext(practice ? "" : t("sent"), "success");
    },
    onRejected(entry, error) {
      const mine = page.current && entry.taskId === page.current.task.id;
      const fields = mine ? page.current.template.fields : [];
      if (!mine) {
        // Its form is gone: what was typed is shown, with the reason, to copy.
        page.say(t("earlierRejected", {message: error.message}), "error");
        kept.show(entry, error.message, fields);
      } else if (error instanceof ApiError && error.status === 409) {
        // Nothing was recorded and this answer cannot be sent again as it is (the image is
        // full, the project paused): the volunteer reads why and keeps what they typed (the
        // draft too, should the image come back to them), then goes on.
        kept.show(entry, error.message, fields);
        page.loadNext(error.message, "warning");
      } else {
        page.setState("ready");
        const byField = {};
        for (const [name, messages] of Object.entries(error.body?.error?.fields || {})) {
          byField[name.replace(/^(values|markers)\./, "")] = messages;
        }
        const elsewhere = page.form.showErrors(byField);
        // With messages for no field, the line says more than the fields do and stays.
        page.say([error.message, ...elsewhere].join(" "), "error", {aboutFieldErrors: !elsewhere.length});
      }
    },
    onWaiting(entries) {
      if (!page.current || entries.some((entry) => entry.taskId === page.current.task.id)) {
        page.setState("offline");
        page.say(t("offlineSaved"), "warning");
      }
    },
  });

  function submit() {
    if (!page.current || page.state() !== "ready") return;
    const {form, current} = page;
    const {values, markers, problems} = form.read();
    if (Object.keys(problems).length) {
      page.say(t("fixErrors"), "error", {aboutFieldErrors: true});
      form.showErrors(problems);
      return;
    }
    outbox.add({
      key: newIdempotencyKey(),
      taskId: current.task.id,
      lease: current.lease.id,
      values,
      markers,
      machineFields: form.machineFields(),
      georeference: form.georeference(),
      createdAt: Date.now(),
    });
    page.setState("sending");
    page.say(t(practice ? "practiceChecking" : "sending"));
    outbox.flush();
  }

  return {outbox, submit};
}
