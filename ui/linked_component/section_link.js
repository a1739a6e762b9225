// "Copy a link to this section": the current address (path and query, so the settings, toggles
// and the player's epoch) with #anchor. Copied to the clipboard when the browser allows it; the
// hash also goes into the address bar, so the link can be copied from there in any case.
//
// A cold load of such a link: Streamlit scrolls to the heading once, when it mounts, but the
// charts above it load later and push it down. The control of the linked heading keeps it in
// view until the page has settled, or until the learner scrolls, clicks, touches or types.

const SETTLE_MS = 2000;  // the heading stayed put this long after the script finished: done
const GIVE_UP_MS = 45000;
const TICK_MS = 200;

function linkTo(anchor) {
  const url = new URL(window.location.href);
  url.hash = anchor;
  return url.toString();
}

async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch (e) {
    // No clipboard API (an http address other than localhost): the old way.
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    let done = false;
    try {
      done = document.execCommand("copy");
    } catch (e2) {
      done = false;
    }
    area.remove();
    return done;
  }
}

function scriptRunning() {
  const app = document.querySelector('[data-testid="stApp"]');
  return !app || app.getAttribute("data-test-script-state") !== "notRunning";
}

function keepInView(anchor) {
  const started = performance.now();
  let stopped = false;
  let lastTop = null;
  let stableSince = performance.now();
  const stop = () => {
    stopped = true;
  };
  for (const type of ["wheel", "touchstart", "mousedown", "keydown"]) {
    window.addEventListener(type, stop, { capture: true, once: true, passive: true });
  }
  const tick = () => {
    if (stopped || performance.now() - started > GIVE_UP_MS) return;
    const heading = document.getElementById(anchor);
    if (heading) {
      const top = Math.round(heading.getBoundingClientRect().top);
      const target = parseFloat(getComputedStyle(heading).scrollMarginTop) || 0;
      if (top < 0 || top > Math.max(target, 0) + 8 || top > window.innerHeight / 3) {
        heading.scrollIntoView({ block: "start" });
      }
      if (lastTop === null || Math.abs(top - lastTop) > 2 || scriptRunning()) stableSince = performance.now();
      lastTop = top;
      if (performance.now() - stableSince > SETTLE_MS) return;
    }
    setTimeout(tick, TICK_MS);
  };
  tick();
}

export default function ({ data, parentElement }) {
  const anchor = data && data.anchor;
  const button = parentElement.querySelector("button");
  if (!anchor || !button) return;
  const message = button.querySelector(".msg");
  button.setAttribute("data-anchor", anchor);
  button.onclick = async () => {
    const link = linkTo(anchor);
    window.history.replaceState(window.history.state, "", link);
    const done = await copy(link);
    button.setAttribute("data-copied", done ? "yes" : "no");
    message.textContent = done ? "Link copied" : "Link in the address bar";
    clearTimeout(button.__gdTimer);
    button.__gdTimer = setTimeout(() => {
      message.textContent = "";
    }, 2500);
  };
  // Once per page load and anchor: the data may change and run this again.
  let hash = "";
  try {
    hash = decodeURIComponent(window.location.hash.slice(1));
  } catch (e) {
    hash = "";
  }
  if (hash === anchor && window.__gdSectionKept !== anchor) {
    window.__gdSectionKept = anchor;
    keepInView(anchor);
  }
}
