// Wellbeing for raters who view disturbing content: "step away" (h) hides everything at
// once, an exposure-limit break screen with a countdown, a session timer with a gentle
// reminder, and grayscale / blur-media preferences that persist per annotator.

import type { Session } from "../session";
import { h, kbd } from "./dom";

export interface WellbeingConfig {
  max_sensitive_per_hour: number | null;
  break_minutes: number;
  session_reminder_minutes: number | null;
}

function clock(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

export class WellbeingUI {
  /** covers the rating area while stepped away or on a break */
  readonly overlay: HTMLElement;
  /** header parts: session timer and the settings button */
  readonly timerEl: HTMLElement;
  readonly settingsEl: HTMLElement;
  private menu: HTMLElement;
  private reminder: HTMLElement;
  private activeMs = 0;
  private last = performance.now();
  private reminded = false;
  private tick: ReturnType<typeof setInterval>;

  constructor(private session: Session, private root: HTMLElement) {
    this.overlay = h("div", { class: "rw-overlay", hidden: true, role: "dialog", "aria-live": "polite" });
    this.timerEl = h("span", { class: "rw-timer", title: "Active rating time this session" });
    this.reminder = h("div", { class: "rw-reminder", role: "status", hidden: true });
    const box = (name: "grayscale" | "blur_media", label: string) => {
      const input = h("input", { type: "checkbox", "data-pref": name });
      input.addEventListener("change", () => this.session.setPref(name, input.checked));
      return h("label", { class: "rw-pref" }, input, label);
    };
    this.menu = h("div", { class: "rw-menu", hidden: true, role: "menu" },
      box("grayscale", "Show content in grayscale"),
      box("blur_media", "Blur images until I reveal them (r)"));
    this.settingsEl = h("span", { class: "rw-settings" },
      h("button", { type: "button", class: "rw-icon-btn", "aria-label": "Viewing preferences", title: "Viewing preferences",
        onclick: () => { this.menu.hidden = !this.menu.hidden; this.update(); } }, "⚙"),
      this.menu);
    this.tick = setInterval(() => {
      // detached (JupyterLab windowing, a torn-down page): nothing to draw; dispose() stops it
      if (this.root.isConnected) this.update();
    }, 1000);
  }

  get reminderEl(): HTMLElement { return this.reminder; }

  dispose(): void { clearInterval(this.tick); }

  /** True while content must stay hidden (stepped away or on a break). */
  get hiding(): boolean {
    return this.session.steppedAway || this.session.breakUntil > Date.now();
  }

  update(): void {
    const s = this.session;
    const now = performance.now();
    const counting = !this.hiding && document.visibilityState !== "hidden";
    if (counting) this.activeMs += now - this.last;
    this.last = now;
    this.timerEl.textContent = `active ${clock(this.activeMs)}`;
    const cfg = (s.config.wellbeing ?? {}) as WellbeingConfig;
    const remindAt = cfg.session_reminder_minutes;
    if (remindAt && !this.reminded && this.activeMs >= remindAt * 60_000) {
      this.reminded = true;
      this.reminder.hidden = false;
      this.reminder.replaceChildren(
        `You have been rating for ${Math.round(this.activeMs / 60_000)} minutes. A short break helps. `,
        h("button", { type: "button", class: "rw-link", onclick: () => { this.reminder.hidden = true; } }, "Dismiss"));
    }
    const prefs = s.prefs;
    this.root.classList.toggle("rw-grayscale", Boolean(prefs.grayscale));
    for (const input of this.menu.querySelectorAll<HTMLInputElement>("input[data-pref]")) {
      input.checked = Boolean(prefs[input.dataset.pref as "grayscale" | "blur_media"]);
    }
    this.renderOverlay();
  }

  private renderOverlay(): void {
    const s = this.session;
    const breakLeft = s.breakUntil - Date.now();
    if (breakLeft > 0) {
      this.overlay.hidden = false;
      this.overlay.replaceChildren(
        h("div", { class: "rw-overlay-title" }, "Time for a break"),
        h("div", {}, s.breakReason || "You reached the exposure limit for this hour."),
        h("div", { class: "rw-countdown", "aria-label": "time left" }, clock(breakLeft)),
        h("div", { class: "rw-muted" }, "Content stays hidden until the countdown ends. Step away from the screen."));
    } else if (s.steppedAway) {
      this.overlay.hidden = false;
      this.overlay.replaceChildren(
        h("div", { class: "rw-overlay-title" }, "Content hidden"),
        h("div", {}, "You stepped away. Nothing is shown until you come back."),
        h("button", { type: "button", class: "rw-btn", onclick: () => s.toggleStepAway() }, kbd("h"), "Come back"));
    } else {
      this.overlay.hidden = true;
      this.overlay.replaceChildren();
    }
  }
}
