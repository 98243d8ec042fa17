// The console's script: marks the page as run by a browser GOV.UK Frontend
// supports (what govuk-frontend's template does inline; this console's
// Content-Security-Policy allows no inline script) and starts its
// components.
import { initAll } from '/static/govuk/govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()
