// Live alerts: new matches for what the member follows appear in the page
// region #raa-live-alerts (templates/finder_live_alerts.mustache, an
// aria-live="polite" region) without reloading the page. Progressive
// enhancement only: without this script the region stays hidden and the
// /alerts page lists every alert.
//
// It asks GET /alerts.json?after=<token>&since=<unix seconds> every
// data-interval-ms (one ListAlerts call on the console's side) and adds each
// alert it has not shown yet, as text (never as HTML). It asks only while
// the page is visible, and stops after data-idle-ms without a key press or
// a click (the session's idle time), so an open page does not keep a
// session alive for ever; a 401 (signed out) or 403 (a key that may not
// see alerts) stops it too.
const region = document.getElementById('raa-live-alerts')
if (region) start(region)

function start (region) {
  const url = region.dataset.url || '/alerts.json'
  const since = region.dataset.since || ''
  const interval = Number(region.dataset.intervalMs) || 5000
  const idleLimit = Number(region.dataset.idleMs) || 30 * 60 * 1000
  const list = region.querySelector('.raa-live-alerts__list')
  const status = region.querySelector('.raa-live-alerts__status')
  let after = region.dataset.after || ''
  let lastInput = Date.now()
  let count = 0
  const shown = new Set()
  for (const type of ['keydown', 'pointerdown']) {
    document.addEventListener(type, () => { lastInput = Date.now() },
      { passive: true })
  }
  region.hidden = false

  const say = (text) => { status.textContent = text }

  // A link to a console page (only a local path), or plain text.
  const part = (text, href) => {
    if (href && href.startsWith('/') && !href.startsWith('//')) {
      const a = document.createElement('a')
      a.className = 'govuk-link'
      a.href = href
      a.textContent = text
      return a
    }
    return document.createTextNode(text)
  }

  const add = (alert) => {
    if (!alert.name || shown.has(alert.name)) return
    shown.add(alert.name)
    const li = document.createElement('li')
    li.className = 'raa-live-alert'
    li.dataset.name = alert.name
    const when = document.createElement('span')
    when.className = 'govuk-body-s'
    when.textContent = alert.time + ': '
    li.append(when)
    if (alert.kind === 'follow_ended') {
      li.append(document.createTextNode('Follow ended: ' + alert.message))
    } else {
      li.append(document.createTextNode('New match: household '),
        part(alert.household, alert.household_href),
        document.createTextNode(' for child profile '),
        part(alert.child, alert.child_href),
        document.createTextNode(', score ' + alert.score))
    }
    list.prepend(li)
    count++
    say(count === 1 ? '1 new alert.' : count + ' new alerts.')
  }

  const schedule = () => { window.setTimeout(poll, interval) }

  async function poll () {
    if (Date.now() - lastInput > idleLimit) {
      say('Live updates stopped after a long time without use: reload the ' +
          'page to see new matches.')
      return
    }
    if (document.visibilityState === 'hidden') return schedule()
    const query = new URLSearchParams()
    if (after) query.set('after', after)
    if (since) query.set('since', since)
    try {
      const response = await window.fetch(url + '?' + query.toString(), {
        credentials: 'same-origin',
        cache: 'no-store',
        headers: { Accept: 'application/json' }
      })
      if (response.status === 401) {
        say('You are signed out: sign in again to see new matches.')
        return
      }
      if (response.status === 403) {
        say('Your key cannot see alerts.')
        return
      }
      if (response.ok) {
        const body = await response.json()
        if (body.after) after = body.after
        for (const alert of body.alerts || []) add(alert)
        // More waiting than one answer holds: ask again at once.
        if (body.more) return poll()
      }
    } catch (e) {
      // The console is not answering: try again at the next interval.
    }
    schedule()
  }

  schedule()
}
