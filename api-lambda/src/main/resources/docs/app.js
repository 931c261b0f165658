"use strict";
// The page for people: start a job, follow it, cancel it, download it, browse its digits.
// It uses the API's own routes, addressed relative to this page so that they also work behind an
// API Gateway stage prefix, and keeps the job's id in the page's address (?job=<id>), so a reload
// or a shared link comes back to the same job.
(() => {
  const POLL_MS = 1000;
  const POLL_MAX_MS = 10000;
  const RETRY_MS = 5000; // after a failed poll, doubled at each failure in a row up to RETRY_MAX_MS
  const RETRY_MAX_MS = 60000;
  const RETRY_AFTER_MAX_S = 3600; // a longer Retry-After on a poll is taken for an hour (a timer's range ends at 24.8 days)
  const PAGE_DIGITS = 500; // a viewer page; GET /v1/pi serves at most 1000 digits per request
  const ROW_DIGITS = 50;
  const GROUP_DIGITS = 10;
  const RUNNING = new Set(["queued", "In-progress"]);

  const $ = (id) => document.getElementById(id);
  const format = new Intl.NumberFormat("en-US");

  let maxDigits = null;
  let job = null; // {id, digits, status}; null while no job is shown
  let pollTimer = null;
  let polls = 0; // counts the polls started: an answer to an older one is stale
  let pages = 0; // the same for the viewer's pages
  let pollTrouble = false; // the job's message is the last poll's failure, which the next success clears
  let pollFailures = 0; // failed polls in a row
  let cancelling = null; // the id of the job whose DELETE is on its way
  let cancelTrouble = false; // the job's message is a failed cancellation's, which the job's end clears
  let cancelPressed = false; // Cancel had the keyboard's focus when pressed: the job's end takes it on
  let checkingDownload = null; // the id of the job whose download the service is being asked about
  let downloadChecked = false; // the next click on Download is the page's own, once the service said it can
  let samples = []; // {at, progress} while running: the estimate of the time left comes from them
  let viewerStart = 0;
  const holds = new Map(); // button id -> the timer that counts down the wait the service asked for
  let attempted = false; // once a submission was refused, the input is checked as it is typed
  let heldFor503 = null; // the digits a 503 refused while Compute waits: fewer need not wait
  // {digits, key}: the Idempotency-Key of the computation asked for until the service answers with
  // its job. Asked again (its answer lost on the way, say), the service gives back the job the lost
  // request may have made instead of starting a second one. The tab's session storage keeps it over
  // a reload, the first thing a person tries when a page seems stuck.
  const SUBMISSION_ITEM = "pi-service.submission";
  let submission = storedSubmission();
  // The viewer's position from a shared address, used once when the viewer first opens.
  let sharedPosition = Number(new URLSearchParams(location.search).get("at")) || 0;

  // ---- the API --------------------------------------------------------------------------------

  /**
   * One request; never throws: a network failure is status 0. With {@code redirect} "manual", a
   * redirect is not followed and is status 302 (its target is not the page's to read).
   */
  async function call(method, path, body, headers = {}, redirect = "follow") {
    const init = {method, redirect, cache: "no-store", headers: {Accept: "application/json", ...headers}};
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (unreachable) {
      return {status: 0, body: {}, retryAfter: null};
    }
    if (response.type === "opaqueredirect") {
      return {status: 302, body: {}, retryAfter: null};
    }
    let json = {};
    try {
      json = await response.json();
    } catch (notJson) {
      // described by its status below
    }
    return {status: response.status, body: json, retryAfter: retryAfterSeconds(response.headers.get("Retry-After"))};
  }

  /** Retry-After in seconds, whether given as seconds or as an HTTP date. */
  function retryAfterSeconds(header) {
    if (header === null) {
      return null;
    }
    if (/^\s*\d+\s*$/.test(header)) {
      return Number(header);
    }
    const date = Date.parse(header);
    return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
  }

  function waitWords(seconds) {
    if (seconds === null) {
      return "in a little while";
    }
    return seconds <= 1 ? "in a second" : "in " + duration(seconds);
  }

  /** A refusal of digits beyond a person's day: fewer digits may still be asked for at once. */
  function dailyLimit(answer) {
    return answer.status === 429 && Number.isInteger(answer.body?.daily_digit_limit);
  }

  /**
   * What went wrong, as sentences with what to do. {@code next(when)} says what to do once the
   * service can be asked again ("try again in 30 s"); the service's own wording of the problem is
   * kept, without its advice to API clients, which the page gives in its own words.
   */
  function explain(answer, next) {
    const when = waitWords(answer.retryAfter);
    const reason = answer.body && typeof answer.body.error === "string"
        ? answer.body.error.replace(/;\s*(please\s+)?(try|send) (it )?again.*$/i, "").replace(/\.\s*$/, "") : "";
    // Only the refusals of a person at a limit name the limit; the gateway's 429s are for
    // requests sent too fast, by this person (this page's polls among them) or by everyone.
    if (answer.status === 429 && Number.isInteger(answer.body?.request_limit_per_minute)) {
      return "Requests from this address came faster than the service takes from one address ("
          + format.format(answer.body.request_limit_per_minute) + " a minute), counting this page's and any other "
          + "page's or program's there. " + sentence(next(when));
    }
    if (answer.status === 429 && Number.isInteger(answer.body?.unfinished_job_limit)) {
      return "You have as many unfinished computations as this service allows one person at a time. "
          + "Wait until one is complete, or cancel one; " + next(when) + ".";
    }
    if (dailyLimit(answer)) {
      return "With these digits your computations today would pass the "
          + format.format(answer.body.daily_digit_limit) + " digits this service allows one person in a day. "
          + "Ask for fewer, or " + next(when) + " (after midnight UTC).";
    }
    switch (answer.status) {
      case 0:
        return "The service could not be reached; check your connection. " + sentence(next(when));
      case 409: // a submission's: the earlier request with its Idempotency-Key is still being answered
        return "The service is still answering your last request. " + sentence(next(when));
      case 429:
        return "The service has more requests than it takes just now. " + sentence(next(when));
      case 503:
        return "The service is unavailable for a moment" + (reason ? " (" + reason + ")" : "") + ". "
            + sentence(next(when));
      default:
        if (!reason) {
          return "The service answered " + answer.status + "; " + next(when) + ".";
        }
        // The service's own failure passes: what to do next goes with it. A refusal of the request does not.
        return answer.status >= 500 ? sentence(reason) + " " + sentence(next(when)) : sentence(reason);
    }
  }

  /** A clause as a sentence: a capital first letter and a full stop. */
  function sentence(clause) {
    return clause.charAt(0).toUpperCase() + clause.slice(1).replace(/\.?$/, ".");
  }

  // ---- the limit and the form -----------------------------------------------------------------

  async function loadLimit() {
    const answer = await call("GET", "openapi.json");
    const maximum = answer.status === 200
        ? answer.body?.components?.schemas?.JobRequest?.properties?.digits?.maximum : undefined;
    if (Number.isInteger(maximum)) {
      maxDigits = maximum;
      $("digits-hint").textContent = "From 1 to " + format.format(maximum) + " decimals on this service. "
          + "Digits already known come at once; new ones take a while.";
    } else {
      $("digits-hint").textContent = "This service's limit could not be read; it says so if you ask for too many.";
    }
  }

  /** The number typed, or a sentence saying what to change. People write 1,000,000 or 1 000 000. */
  function parseDigits(text) {
    const plain = text.trim().replace(/[\s,_'’]/g, "");
    if (plain === "") {
      return {error: "Enter how many decimals you want, for example 1000."};
    }
    if (!/^\d+$/.test(plain)) {
      return {error: "Use a whole number of decimals, written with digits only, for example 1000000."};
    }
    const n = Number(plain);
    if (n < 1) {
      return {error: "Ask for at least 1 decimal."};
    }
    if (maxDigits !== null && n > maxDigits) {
      return {error: "This service computes at most " + format.format(maxDigits) + " decimals; ask for fewer."};
    }
    return {value: n};
  }

  /** {@code invalid}: the number typed is what to change (not so when the service cannot take it now). */
  function showInputError(message, invalid = message !== "") {
    $("digits-error").textContent = message;
    $("digits").setAttribute("aria-invalid", invalid ? "true" : "false");
  }

  async function submit(event) {
    event.preventDefault();
    attempted = true;
    const parsed = parseDigits($("digits").value);
    if (parsed.error) {
      showInputError(parsed.error);
      $("digits").focus();
      return;
    }
    showInputError("");
    $("compute").disabled = true;
    heldFor503 = null;
    if (submission === null || submission.digits !== parsed.value) {
      keepSubmission({digits: parsed.value, key: newKey()});
    }
    const answer = await call("POST", "pi_job", {digits: parsed.value},
        {"Idempotency-Key": '"' + submission.key + '"'});
    if (answer.status === 202 && answer.body.job_id) {
      keepSubmission(null);
      $("compute").disabled = false;
      follow(answer.body.job_id, true);
      return;
    }
    if (answer.status === 400) {
      $("compute").disabled = false;
      showInputError(explain(answer, (when) => "try again " + when));
      $("digits").focus();
      return;
    }
    const refusal = explain(answer, (when) => "try again " + when);
    showInputError(refusal, false);
    heldFor503 = answer.status === 503 ? parsed.value : null;
    holdButton("compute", [409, 429, 503].includes(answer.status) && !dailyLimit(answer) ? answer.retryAfter : null, () => {
      heldFor503 = null;
      // Its wait is over: unless the person has typed since, the sentence stops asking them to wait.
      if ($("digits-error").textContent === refusal) {
        showInputError(explain(answer, () => "you can try again now"), false);
      }
    });
  }

  /** The submission a previous load of this tab left unanswered; null when none (or no storage). */
  function storedSubmission() {
    try {
      const stored = JSON.parse(sessionStorage.getItem(SUBMISSION_ITEM));
      return stored && Number.isSafeInteger(stored.digits) && typeof stored.key === "string" ? stored : null;
    } catch (e) {
      return null;
    }
  }

  /** Without storage (blocked by the browser) the submission is kept for this load only. */
  function keepSubmission(value) {
    submission = value;
    try {
      if (value === null) {
        sessionStorage.removeItem(SUBMISSION_ITEM);
      } else {
        sessionStorage.setItem(SUBMISSION_ITEM, JSON.stringify(value));
      }
    } catch (e) {
      // the page still works; a reload then starts with a new key
    }
  }

  /** A random key: a UUID where the page has a secure context (HTTPS, localhost), else 32 hex digits. */
  function newKey() {
    if (crypto.randomUUID) {
      return crypto.randomUUID();
    }
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  /**
   * Keeps a button disabled for the time the service asked for, counting down on it by the clock
   * (a busy or hidden tab runs timers late); {@code ready} runs when the wait is over.
   */
  function holdButton(id, seconds, ready = () => {}) {
    const button = $(id);
    if (holds.has(id)) {
      clearInterval(holds.get(id).timer);
      button.textContent = holds.get(id).label;
      holds.delete(id);
    }
    if (!seconds) {
      button.disabled = false;
      return;
    }
    const label = button.textContent;
    const until = Date.now() + seconds * 1000;
    const tick = () => {
      const left = Math.ceil((until - Date.now()) / 1000);
      if (left <= 0) {
        clearInterval(holds.get(id).timer);
        holds.delete(id);
        button.disabled = false;
        button.textContent = label;
        ready();
        return;
      }
      button.disabled = true;
      button.textContent = label + " (" + left + " s)";
    };
    holds.set(id, {label, timer: null});
    tick();
    holds.get(id).timer = setInterval(tick, 250);
  }

  // ---- the job --------------------------------------------------------------------------------

  /** Shows the job and polls it while it runs; {@code submitted}: this page has just started it. */
  function follow(jobId, submitted) {
    job = {id: jobId, digits: null, status: null, submitted, since: Date.now()};
    samples = [];
    pollFailures = 0;
    cancelTrouble = false;
    cancelPressed = false;
    $("download").toggleAttribute("aria-busy", checkingDownload === jobId); // a check may be on its way
    holdButton("cancel", null); // a wait the service asked of another job's cancellation
    setAddress({job: jobId});
    $("job").hidden = false;
    $("viewer").hidden = true;
    $("job-message").textContent = "";
    pollTrouble = false;
    $("job-state").textContent = "Asking the service about the job…";
    if (!/^[0-9A-Za-z-]+$/.test(jobId)) {
      gone(); // no job has such an id ("." or ".." in a link would even change the address asked)
      return;
    }
    poll(jobId);
  }

  async function poll(jobId) {
    clearTimeout(pollTimer);
    const mine = ++polls;
    const answer = await call("GET", "pi_job/" + encodeURIComponent(jobId));
    if (mine !== polls || !job || job.id !== jobId) {
      return; // a newer poll, or another job, took over meanwhile
    }
    if (answer.status === 200) {
      job.answeredAt = Date.now();
      pollFailures = 0;
      if (pollTrouble) {
        $("job-message").textContent = "";
        pollTrouble = false;
      }
      show(answer.body);
      if (RUNNING.has(answer.body.status)) {
        pollLater(jobId);
      }
      return;
    }
    if (answer.status === 404) {
      gone();
      return;
    }
    // Each failure in a row doubles the wait, and a Retry-After can only lengthen it: a page left
    // open on a job while the service is down or throttled (the gateway's own 429 says 1 s to every
    // client at once) must not ask every few seconds for hours.
    pollFailures += 1;
    const backoff = Math.min(RETRY_MAX_MS, RETRY_MS * 2 ** (pollFailures - 1)) / 1000;
    const wait = Math.max(backoff, Math.min(answer.retryAfter ?? 0, RETRY_AFTER_MAX_S));
    // A failed cancellation's message stays: it says what the person can do, which this does not change.
    if (!cancelTrouble) {
      $("job-message").textContent = explain(answer, () => "the job is not affected; this page asks again "
          + waitWords(wait));
      pollTrouble = true;
    }
    pollTimer = setTimeout(() => poll(jobId), wait * 1000);
  }

  /**
   * Polls the running job again: each second at first, then less often as this page follows it
   * longer (a large job runs for minutes, and every watcher's polls count against the gateway's
   * limits), up to every 10 s; not while the page is hidden, which polls again when shown.
   */
  function pollLater(jobId) {
    if (!document.hidden) {
      pollTimer = setTimeout(() => poll(jobId), pollInterval());
    }
  }

  function pollInterval() {
    return Math.min(POLL_MAX_MS, Math.max(POLL_MS, (Date.now() - job.since) / 30));
  }

  // Shown again, the page polls when the interval since its last answer is over, at once if it is.
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && job && RUNNING.has(job.status) && pollFailures === 0) {
      const jobId = job.id;
      clearTimeout(pollTimer);
      pollTimer = setTimeout(() => poll(jobId), Math.max(0, pollInterval() - (Date.now() - job.answeredAt)));
    }
  });

  function gone() {
    job.status = null;
    $("job-state").textContent = "No such job.";
    $("job-message").textContent = "This job does not exist: its results have expired, or the link is incomplete. "
        + "Start a new computation above.";
    $("bar").hidden = true;
    $("cancel").hidden = true;
    $("download").hidden = true;
    $("viewer").hidden = true;
    $("again").hidden = false;
  }

  function show(status) {
    const instant = job.submitted && job.status === null;
    job.digits = status.digits;
    job.status = status.status;
    const progress = typeof status.progress === "number" ? status.progress : 0;
    const percent = Math.floor(progress * 1000) / 10;

    const bar = $("bar");
    bar.hidden = false;
    bar.dataset.status = status.status;
    bar.setAttribute("aria-valuenow", String(percent));
    bar.setAttribute("aria-valuetext", percent + " percent");
    $("bar-fill").style.width = percent + "%";

    $("job-digits").textContent = format.format(status.digits);
    $("job-done").textContent = percent + "%";
    $("job-elapsed").textContent = duration(parseInt(status.time_elapsed, 10) || 0);
    $("job-left").textContent = timeLeft(status.status, progress);

    // The state is a live region: it changes with the state only, and the share done, which
    // changes at every poll, is shown beside it, where a screen reader does not read it out each time.
    let state;
    switch (status.status) {
      case "queued":
        state = "Queued: waiting for a worker to start.";
        break;
      case "In-progress":
        state = "Computing.";
        break;
      case "complete":
        state = instant
            ? "Complete: these digits were known already, so nothing had to be computed."
            : "Complete.";
        break;
      case "failed":
        state = "Failed: " + (status.error || "the service gave no reason").replace(/\.$/, "") + ".";
        break;
      case "cancelled":
        state = "Cancelled.";
        break;
      default:
        state = "Status: " + status.status + ".";
    }
    if ($("job-state").textContent !== state) {
      $("job-state").textContent = state;
    }

    const running = RUNNING.has(status.status);
    $("cancel").hidden = !running;
    $("cancel").disabled = cancelling === job.id || holds.has("cancel");
    if (cancelTrouble && !running) {
      $("job-message").textContent = "";
      cancelTrouble = false;
    }
    $("again").hidden = running;
    if (cancelPressed && !running) {
      cancelPressed = false;
      // The keyboard was on Cancel, now hidden: it goes on from the job's end, unless the person has moved it.
      if (document.activeElement === document.body || document.activeElement === $("cancel")) {
        $("again").focus();
      }
    }

    const download = $("download");
    download.hidden = status.status !== "complete";
    if (status.status === "complete") {
      const name = "pi-" + status.digits + ".txt";
      download.href = status.download || "download_pi_job/" + encodeURIComponent(job.id);
      download.setAttribute("download", name);
      download.textContent = "Download " + name;
      if ($("viewer").hidden) {
        openViewer();
      }
    }
  }

  /**
   * The time left from the rate of progress seen on this page since the job started running; none
   * until the progress has moved.
   */
  function timeLeft(status, progress) {
    if (status !== "In-progress") {
      return status === "queued" ? "waiting to start" : "—";
    }
    const now = performance.now();
    if (samples.length > 0 && progress < samples[samples.length - 1].progress) {
      samples = []; // the job started over (its worker died): the rate seen before says nothing now
    }
    const last = samples[samples.length - 1];
    if (!last || last.progress !== progress) {
      samples.push({at: now, progress});
    }
    const start = samples[0];
    const latest = samples[samples.length - 1];
    if (samples.length < 2 || latest.progress <= start.progress) {
      return "estimating…";
    }
    const rate = (latest.progress - start.progress) / (latest.at - start.at);
    const seconds = Math.max(0, Math.round(((1 - latest.progress) / rate - (now - latest.at)) / 1000));
    return "about " + duration(seconds);
  }

  async function cancel() {
    const jobId = job.id;
    // (a disabled button loses the focus, so whether it had it is known only now)
    const pressed = document.activeElement === $("cancel");
    $("cancel").disabled = true;
    cancelling = jobId;
    const answer = await call("DELETE", "pi_job/" + encodeURIComponent(jobId));
    if (cancelling === jobId) {
      cancelling = null;
    }
    if (!job || job.id !== jobId) {
      return;
    }
    cancelTrouble = false;
    cancelPressed = pressed && (answer.status === 200 || answer.status === 409); // the job ends: show() takes the focus on
    switch (answer.status) {
      case 200:
        $("job-message").textContent = "";
        pollTrouble = false;
        poll(jobId);
        return;
      case 409:
        $("job-message").textContent = alreadyEnded(answer.body.status);
        pollTrouble = false;
        poll(jobId);
        return;
      case 404:
        if (answer.body && answer.body.job_id) {
          gone();
          return;
        }
        $("job-message").textContent = cancellationMissing();
        return;
      case 405:
        $("job-message").textContent = cancellationMissing();
        return;
      default: {
        // Without an answer, or with a failure on the way back, the cancellation may have been
        // made: the next poll tells, and the message goes once the job has ended.
        const uncertain = answer.status === 0 || (answer.status >= 500 && answer.status !== 503);
        $("job-message").textContent = explain(answer, (when) => (uncertain ? "the job may not have been cancelled"
            : "the job was not cancelled") + "; press Cancel again " + when);
        pollTrouble = false;
        cancelTrouble = true;
        holdButton("cancel", [429, 503].includes(answer.status) ? answer.retryAfter : null);
        if (uncertain) {
          poll(jobId);
        }
      }
    }
  }

  /**
   * Downloads the digits once the service says they can be: the browser, sent to an error (the job
   * expired meanwhile, the result store unavailable), would leave this page for the service's JSON.
   */
  async function download(event) {
    if (downloadChecked) {
      downloadChecked = false; // this click is the page's own: the browser downloads
      return;
    }
    event.preventDefault();
    const jobId = job.id;
    if (checkingDownload === jobId) {
      return;
    }
    const link = $("download");
    checkingDownload = jobId;
    link.setAttribute("aria-busy", "true");
    const answer = await call("GET", link.href, undefined, {}, "manual");
    if (checkingDownload === jobId) {
      checkingDownload = null;
    }
    if (!job || job.id !== jobId) {
      return;
    }
    link.removeAttribute("aria-busy");
    if (answer.status === 302) {
      $("job-message").textContent = "";
      downloadChecked = true;
      link.click();
      return;
    }
    if (answer.status === 404 && answer.body && answer.body.job_id) {
      gone();
      return;
    }
    $("job-message").textContent = explain(answer, (when) => "press Download again " + when);
  }

  /** Why a cancellation came too late, from the state the job ended in. */
  function alreadyEnded(status) {
    switch (status) {
      case "complete":
        return "The job was complete before it could be cancelled, so nothing was cancelled: "
            + "its digits are ready to download and browse below.";
      case "failed":
        return "The job had failed before it could be cancelled, so there was nothing to cancel; "
            + "start a new computation to try again.";
      default:
        return "The job had already ended, so there was nothing to cancel.";
    }
  }

  function cancellationMissing() {
    $("cancel").hidden = true;
    return "This deployment of the service cannot cancel jobs yet, so the computation goes on. "
        + "It ends by itself; you may leave this page.";
  }

  function startOver() {
    clearTimeout(pollTimer);
    job = null;
    setAddress({});
    $("job").hidden = true;
    $("viewer").hidden = true;
    $("digits").focus();
  }

  // ---- the digit viewer -----------------------------------------------------------------------

  function openViewer() {
    $("viewer").hidden = false;
    const at = Number.isInteger(sharedPosition) && sharedPosition > 0 ? sharedPosition : 0;
    sharedPosition = 0;
    showDigits(at);
  }

  /** Positions 0..digits: the 3, then the job's decimals. */
  function lastPosition() {
    return job.digits;
  }

  async function showDigits(start) {
    const last = lastPosition();
    const from = Math.min(Math.max(0, start), last);
    const count = Math.min(PAGE_DIGITS, last - from + 1);
    const mine = ++pages;
    const shown = job;
    const answer = await call("GET", "v1/pi?start=" + from + "&numberOfDigits=" + count);
    if (mine !== pages || job !== shown) {
      return; // a later page was asked for, or the job was left, meanwhile
    }
    if (answer.status !== 200 || typeof answer.body.content !== "string") {
      $("viewer-message").textContent = explain(answer, (when) => "press Go to try again " + when);
      return;
    }
    $("viewer-message").textContent = "";
    viewerStart = from;
    render(from, answer.body.content);
    const to = from + answer.body.content.length - 1;
    $("viewer-range").textContent = "Positions " + format.format(from) + " to " + format.format(to) + " of "
        + format.format(last) + ".";
    const focused = document.activeElement;
    $("previous").disabled = from === 0;
    $("next").disabled = to >= last;
    if ((focused === $("previous") || focused === $("next")) && focused.disabled) {
      // The button pressed has nowhere further to go; the keyboard stays in the viewer.
      const other = focused === $("previous") ? $("next") : $("previous");
      (other.disabled ? $("position") : other).focus();
    }
    $("position").value = String(from);
    $("position").setAttribute("aria-invalid", "false");
    setAddress({job: job.id, at: from > 0 ? from : undefined});
  }

  function render(from, digits) {
    const rows = document.createDocumentFragment();
    for (let offset = 0; offset < digits.length; offset += ROW_DIGITS) {
      const row = document.createElement("tr");
      row.dataset.position = String(from + offset);
      const position = document.createElement("th");
      position.scope = "row";
      position.textContent = format.format(from + offset);
      const cell = document.createElement("td");
      const line = digits.slice(offset, offset + ROW_DIGITS);
      for (let g = 0; g < line.length; g += GROUP_DIGITS) {
        const group = document.createElement("span");
        group.textContent = line.slice(g, g + GROUP_DIGITS);
        cell.append(group, " ");
      }
      row.append(position, cell);
      rows.append(row);
    }
    $("digit-rows").replaceChildren(rows);
  }

  function jump(event) {
    event.preventDefault();
    const text = $("position").value.trim().replace(/[\s,_'’]/g, "");
    const last = lastPosition();
    if (!/^\d+$/.test(text) || Number(text) > last) {
      $("viewer-message").textContent = "Enter a position from 0 to " + format.format(last) + ".";
      $("position").setAttribute("aria-invalid", "true");
      $("position").focus();
      return;
    }
    showDigits(Number(text));
  }

  // ---- helpers --------------------------------------------------------------------------------

  function duration(seconds) {
    if (seconds < 60) {
      return seconds + " s";
    }
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) {
      return minutes + " min " + String(seconds % 60).padStart(2, "0") + " s";
    }
    return Math.floor(minutes / 60) + " h " + String(minutes % 60).padStart(2, "0") + " min";
  }

  function setAddress(parameters) {
    const query = new URLSearchParams();
    Object.entries(parameters).forEach(([name, value]) => {
      if (value !== undefined) {
        query.set(name, String(value));
      }
    });
    const search = query.toString();
    history.replaceState(null, "", location.pathname + (search ? "?" + search : ""));
  }

  // ---- start ----------------------------------------------------------------------------------

  $("ask").addEventListener("submit", submit);
  $("digits").addEventListener("input", () => {
    // No error while a person types a first number; after a refused one, each key updates it.
    if (attempted) {
      showInputError(parseDigits($("digits").value).error || "");
    }
    // A 503 may be the backlog's refusal of this many digits, which fewer would not get: those may
    // be asked for at once.
    if (heldFor503 !== null && parseDigits($("digits").value).value < heldFor503) {
      heldFor503 = null;
      holdButton("compute", null);
    }
  });
  $("cancel").addEventListener("click", cancel);
  $("download").addEventListener("click", download);
  $("again").addEventListener("click", startOver);
  $("jump").addEventListener("submit", jump);
  $("previous").addEventListener("click", () => showDigits(viewerStart - PAGE_DIGITS));
  $("next").addEventListener("click", () => showDigits(viewerStart + PAGE_DIGITS));

  loadLimit();
  const shared = new URLSearchParams(location.search).get("job");
  if (shared) {
    follow(shared, false);
  }
})();
