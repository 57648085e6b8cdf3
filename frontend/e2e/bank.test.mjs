// Browser tests against the real API and a real PostgreSQL, through the SWA CLI emulator.
// Run with `npm run test:e2e` (after `npm run build`). Screenshots go to e2e/screenshots/.
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { ADMIN, asBrowser, button, field, frontendDir, screenshotDir, sessionCookie, signInPage, startStack } from './harness.mjs'

const require = createRequire(import.meta.url)
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')

const TIMEOUT = { timeout: 180_000 }
const run = Date.now().toString(36).slice(-5)
const customer = {
  username: `e2e_${run}`,
  password: 'Customer-pass-1',
  fullName: 'Aoife Test',
  email: `aoife.${run}@example.com`,
}

let stack
let customerPage
let staffPage
const pageErrors = []
const a11yFindings = []
const allViolations = []
let acc1 = ''
let acc2 = ''

/** A form control by its label; required fields carry a decorative "*" that is not part of the name. */

/** A page in a browser of its own (own cookie jar, so own session), as a second person would have. */
async function newPage() {
  const page = await (await stack.newContext()).newPage()
  page.setDefaultTimeout(20_000)
  page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) {
      pageErrors.push(`${page.url()}: ${message.text()}`)
    }
  })
  return page
}

async function screenshot(page, name) {
  mkdirSync(screenshotDir, { recursive: true })
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true, animations: 'disabled' })
}

/** axe-core on the current page; serious and critical violations are collected and fail the a11y test. */
async function scan(page, name) {
  await page.evaluate(axeSource)
  const violations = await page.evaluate(async () => {
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) }))
  })
  for (const v of violations) {
    allViolations.push({ page: name, ...v })
    if (v.impact === 'serious' || v.impact === 'critical') a11yFindings.push({ page: name, ...v })
  }
  return violations
}

async function signIn(page, username, password) {
  await signInPage(page, stack.baseUrl, username, password, /\/(dashboard|staff\/users)/)
}

/** Reads the real ledger through the API as the customer (not through the page under test). */
async function apiOpenAccount(name) {
  const login = await fetch(`${stack.apiUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: customer.username, password: customer.password }),
  })
  const { access_token: token } = await login.json()
  const opened = await fetch(`${stack.apiUrl}/api/accounts`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name, currency: 'EUR' }),
  })
  return (await opened.json()).number
}

async function apiBalances() {
  const login = await fetch(`${stack.apiUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: customer.username, password: customer.password }),
  })
  const { access_token: token } = await login.json()
  const headers = { Authorization: `Bearer ${token}` }
  const accounts = await (await fetch(`${stack.apiUrl}/api/accounts`, { headers })).json()
  const history = await (await fetch(`${stack.apiUrl}/api/transactions?limit=200`, { headers })).json()
  return {
    balance: Object.fromEntries(accounts.items.map((a) => [a.number, a.balance])),
    history: history.items,
  }
}

const digits = (text) => text.replace(/\s+/g, '')

/** The page's session cookie as the browser holds it (null when there is none). */

/** Headers that present a cookie the way the SPA does, for replaying it from outside the browser. */

async function fillTransfer(page, { to, amount, description }) {
  await page.goto(`${stack.baseUrl}/transfer?from=${acc1}`)
  await field(page, 'From account').selectOption(acc1)
  await field(page, 'Recipient account number').fill(to.replace(/(.{4})/g, '$1 '))
  await field(page, 'Amount (EUR)').fill(amount)
  await field(page, 'Description (optional)').fill(description)
  await button(page, 'Review transfer').click()
}

async function openTransferReview(page, transfer) {
  await fillTransfer(page, transfer)
  await page.getByTestId('transfer-review').waitFor()
}

before(async () => {
  stack = await startStack()
  customerPage = await newPage()
  staffPage = await newPage()
}, TIMEOUT)

after(async () => {
  await stack?.stop()
})

test('a new customer registers, signs in, opens a second account, gets a cash deposit, sends money, and both histories show it', TIMEOUT, async () => {
  const page = customerPage
  await page.goto(`${stack.baseUrl}/`)
  await page.getByRole('heading', { level: 1 }).waitFor()
  await screenshot(page, '01-landing')

  await page.getByRole('main').getByRole('link', { name: 'Open an account' }).click()
  await field(page, 'Username').fill(customer.username)
  await field(page, 'Full name').fill(customer.fullName)
  await field(page, 'Email').fill(customer.email)
  await field(page, 'Country of residence').selectOption('IE')
  await field(page, 'Password').fill(customer.password)
  await field(page, 'Repeat the password').fill(customer.password)
  await screenshot(page, '02-register')
  await button(page, 'Open my account').click()

  await page.waitForURL(/\/sign-in/)
  await page.getByText('Your IE Bank account is open').waitFor()
  assert.equal(await field(page, 'Username').inputValue(), customer.username)
  await field(page, 'Password').fill(customer.password)
  await screenshot(page, '03-sign-in')
  await button(page, 'Sign in').click()
  await page.waitForURL(/\/dashboard/)
  await page.getByTestId('account-card').first().waitFor()
  assert.equal(await page.getByTestId('account-card').count(), 1)

  await field(page, 'Account name').fill('Savings')
  await field(page, 'Currency').selectOption('EUR')
  await button(page, 'Open account').click()
  await page.getByText(/Savings \(EUR\) is open/).waitFor()
  assert.equal(await page.getByTestId('account-card').count(), 2)
  const cards = page.getByTestId('account-card')
  acc1 = digits(await cards.nth(0).locator('.mono').textContent())
  acc2 = digits(await cards.nth(1).locator('.mono').textContent())
  assert.match(acc1, /^IE\d{2}IEBK\d{14}$/)

  // Staff take a cash deposit into the first account.
  await signIn(staffPage, ADMIN.username, ADMIN.password)
  await field(staffPage, 'Search by username, name or email').fill(customer.username)
  await button(staffPage, 'Search').click()
  await staffPage.getByRole('link', { name: customer.username, exact: true }).click()
  await staffPage.getByTestId('staff-account-row').first().waitFor()
  await staffPage.getByTestId('staff-account-row').first().getByRole('link', { name: /^Deposit into / }).click()
  assert.equal(digits(await field(staffPage, 'Account number').inputValue()), acc1)
  // Coming from the customer's page, the form and the review name the holder and the currency.
  await field(staffPage, 'Amount (EUR)').fill('250')
  await field(staffPage, 'Description (optional)').fill('Cash at branch')
  await button(staffPage, 'Review deposit').click()
  const depositReview = await staffPage.getByTestId('deposit-review').textContent()
  assert.match(depositReview, new RegExp(`${customer.fullName} \\(${customer.username}\\)`))
  assert.match(depositReview, /EUR/)
  await button(staffPage, 'Confirm deposit').click()
  await staffPage.getByTestId('deposit-done').waitFor()
  await screenshot(staffPage, '10-staff-deposit-done')

  // The customer sends money from the first account to the second.
  await openTransferReview(page, { to: acc2, amount: '40.25', description: 'Rent share' })
  await screenshot(page, '05-transfer-review')
  await button(page, 'Confirm and send').click()
  const done = page.getByTestId('transfer-done').filter({ hasText: 'New balance' })
  await done.waitFor()
  assert.match(await done.textContent(), /€40\.25 sent/)
  assert.match(await done.textContent(), /New balance: €209\.75/)
  await screenshot(page, '06-transfer-done')

  await page.goto(`${stack.baseUrl}/accounts/${acc1}`)
  const debit = page.getByTestId('transaction').filter({ hasText: 'Rent share' })
  await debit.waitFor()
  assert.match(await debit.textContent(), /−€40\.25/)
  await page.getByTestId('transaction').filter({ hasText: 'Cash at branch' }).waitFor()
  await screenshot(page, '07-account-history')

  await page.goto(`${stack.baseUrl}/accounts/${acc2}`)
  const credit = page.getByTestId('transaction').filter({ hasText: 'Rent share' })
  await credit.waitFor()
  assert.match(await credit.textContent(), /\+€40\.25/)

  await page.goto(`${stack.baseUrl}/dashboard`)
  await page.getByTestId('total').filter({ hasText: '€250.00' }).waitFor()
  await screenshot(page, '04-dashboard')

  // Staff see both entries in the customer's history.
  await staffPage.goto(`${stack.baseUrl}/staff/users`)
  await field(staffPage, 'Search by username, name or email').fill(customer.username)
  await button(staffPage, 'Search').click()
  await staffPage.getByRole('link', { name: customer.username, exact: true }).click()
  await staffPage.getByTestId('transaction').filter({ hasText: 'Rent share' }).nth(1).waitFor()
  await screenshot(staffPage, '09-staff-user-detail')

  const { balance } = await apiBalances()
  assert.equal(balance[acc1], '209.75')
  assert.equal(balance[acc2], '40.25')
})

test('double-clicking confirm (and replaying the request) moves the money once', TIMEOUT, async () => {
  const page = customerPage
  const before = await apiBalances()
  const posts = []
  const onRequest = (request) => {
    if (request.method() === 'POST' && request.url().endsWith('/api/transfers')) posts.push(request)
  }
  page.on('request', onRequest)
  await openTransferReview(page, { to: acc2, amount: '10', description: 'Double click' })
  // Two clicks in the same task, before the page can re-render the button as disabled.
  await page.evaluate(() => {
    const confirm = [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Confirm and send')
    confirm.click()
    confirm.click()
  })
  await button(page, 'Confirm and send').dblclick({ timeout: 1000 }).catch(() => {})
  await page.getByTestId('transfer-done').waitFor()
  await page.waitForTimeout(500)
  page.off('request', onRequest)
  assert.equal(posts.length, 1, 'the page sent one transfer request')

  // A network retry of the very same request (same Idempotency-Key) must not move money again.
  const key = await posts[0].headerValue('idempotency-key')
  assert.ok(key, 'the transfer carried an Idempotency-Key')
  const replay = await page.evaluate(
    async ({ body, key }) => {
      // The browser adds the session cookie; the header is the one a cross-site form cannot send.
      const response = await fetch('/api/transfers', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'iebank', 'Idempotency-Key': key },
        body,
      })
      return { status: response.status, body: await response.json() }
    },
    { body: posts[0].postData(), key },
  )
  assert.ok(replay.status < 300, `replay answered ${replay.status}: ${JSON.stringify(replay.body)}`)

  const afterBalances = await apiBalances()
  assert.equal(afterBalances.balance[acc1], (Number(before.balance[acc1]) - 10).toFixed(2))
  assert.equal(afterBalances.history.filter((e) => e.description === 'Double click' && e.account === acc1).length, 1)
})

test('insufficient funds is known before the review: the message, no review step, nothing moved', TIMEOUT, async () => {
  const page = customerPage
  const before = await apiBalances()
  // The check before the review (POST /api/transfers/preview) refuses it: no confirmation is offered.
  await fillTransfer(page, { to: acc2, amount: '100000', description: 'Too much' })
  const alert = page.getByRole('alert').filter({ hasText: 'Insufficient funds' })
  await alert.waitFor()
  // Said at the amount field, and linked from the error summary above the form.
  await page.locator('.field .error').filter({ hasText: 'More than the available balance.' }).waitFor()
  await page.getByTestId('error-summary').getByRole('link', { name: 'More than the available balance.' }).waitFor()
  await screenshot(page, '08-transfer-insufficient-funds')
  assert.equal(await page.getByTestId('transfer-review').count(), 0)
  const afterBalances = await apiBalances()
  assert.deepEqual(afterBalances.balance, before.balance)
  assert.equal(afterBalances.history.filter((e) => e.description === 'Too much').length, 0)
})

test('what a person trips over: decimal comma, fresh forms from the header, no sign-in when signed in, unknown accounts, conflicts at their fields', TIMEOUT, async () => {
  const page = customerPage
  // A decimal comma, as customers in the bank's EU countries type amounts.
  await openTransferReview(page, { to: acc2, amount: '1,50', description: 'Comma' })
  assert.match(await page.getByTestId('transfer-review').textContent(), /€1\.50/)
  await button(page, 'Confirm and send').click()
  await page.getByTestId('transfer-done').filter({ hasText: '€1.50 sent' }).waitFor()
  // "Send money" in the header after "Money sent" opens an empty form.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Send money' }).click()
  await field(page, 'Amount (EUR)').waitFor()
  assert.equal(await field(page, 'Amount (EUR)').inputValue(), '')
  assert.equal(await page.getByTestId('transfer-done').count(), 0)

  // A failed submit moves focus to the error summary, which links to the field.
  await button(page, 'Review transfer').click()
  const summary = page.getByTestId('error-summary')
  await summary.waitFor()
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'error-summary')
  await summary.getByRole('link', { name: 'Enter an amount.' }).click()
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('inputmode')), 'decimal')
  await screenshot(page, '20-transfer-error-summary')

  // Signed in, the sign-in and register pages lead to the person's accounts.
  for (const path of ['/sign-in', '/register']) {
    await page.goto(`${stack.baseUrl}${path}`)
    await page.waitForURL(/\/dashboard$/)
  }

  // Someone else's (or no one's) account address: "No such account" and nothing else.
  await page.goto(`${stack.baseUrl}/accounts/IE86IEBK00000000000002`)
  await page.getByRole('heading', { level: 1, name: 'No such account' }).waitFor()
  await page.waitForLoadState('networkidle')
  assert.equal(await page.getByText('No transactions yet').count(), 0)
  assert.equal(await page.getByRole('heading', { name: 'History' }).count(), 0)

  // Registering a username and email that are taken: said at the fields.
  const visitor = await newPage()
  await visitor.goto(`${stack.baseUrl}/register`)
  await field(visitor, 'Username').fill(customer.username)
  await field(visitor, 'Full name').fill('Someone Else')
  await field(visitor, 'Email').fill(customer.email)
  await field(visitor, 'Password').fill(customer.password)
  await field(visitor, 'Repeat the password').fill(customer.password)
  await button(visitor, 'Open my account').click()
  await visitor.getByTestId('error-summary').waitFor()
  // Both are taken: the API lists both, and each field says so.
  assert.equal(await field(visitor, 'Username').getAttribute('aria-invalid'), 'true')
  assert.equal(await field(visitor, 'Email').getAttribute('aria-invalid'), 'true')
  assert.equal(await visitor.getByTestId('error-summary').getByRole('link').count(), 2)
  await screenshot(visitor, '21-register-conflict')
  await visitor.close()

  // Staff: a deposit into an unknown account says so at the account field.
  await staffPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Cash deposit' }).click()
  await field(staffPage, 'Account number').fill('IE86 IEBK 0000 0000 0000 02')
  await field(staffPage, "Amount in the account's currency").fill('1')
  await button(staffPage, 'Review deposit').click()
  await button(staffPage, 'Confirm deposit').click()
  await staffPage.getByText('Account not found: no IE Bank account has this number.').first().waitFor()
  assert.equal(await field(staffPage, 'Account number').getAttribute('aria-invalid'), 'true')
  assert.equal(await staffPage.getByText(/recipient/i).count(), 0)

  // Staff: deleting a customer who holds money is refused in plain words, numbers grouped, box closed.
  await staffPage.goto(`${stack.baseUrl}/staff/users`)
  await field(staffPage, 'Search by username, name or email').fill(customer.username)
  await button(staffPage, 'Search').click()
  await staffPage.getByRole('link', { name: customer.username, exact: true }).click()
  await button(staffPage, 'Delete user…').click()
  await button(staffPage, 'Yes, delete user').click()
  const refused = staffPage.getByTestId('delete-refused')
  await refused.waitFor()
  const text = await refused.textContent()
  assert.match(text, /still holds money/)
  assert.ok(text.includes(acc1.replace(/(.{4})/g, '$1 ').trim()), 'the account number is grouped in fours')
  assert.equal(await staffPage.getByRole('group', { name: 'Confirm deleting the user' }).count(), 0)
  await screenshot(staffPage, '22-staff-delete-refused')
})

test('after staff freeze an account, the customer’s transfer from it is refused', TIMEOUT, async () => {
  const page = customerPage
  // The customer is already on the confirmation step when the account is frozen.
  await openTransferReview(page, { to: acc2, amount: '5', description: 'After freeze' })
  const before = await apiBalances()

  await staffPage.goto(`${stack.baseUrl}/staff/users`)
  await field(staffPage, 'Search by username, name or email').fill(customer.username)
  await button(staffPage, 'Search').click()
  await staffPage.getByRole('link', { name: customer.username, exact: true }).click()
  await staffPage.getByTestId('staff-account-row').first().getByRole('link', { name: /^Edit / }).click()
  await field(staffPage, 'Status').selectOption('frozen')
  await button(staffPage, 'Save account').click()
  await staffPage.getByText('The account is now frozen').waitFor()
  await screenshot(staffPage, '11-staff-account-frozen')

  await button(page, 'Confirm and send').click()
  await page.getByRole('alert').filter({ hasText: 'This account is frozen' }).waitFor()
  const afterBalances = await apiBalances()
  assert.deepEqual(afterBalances.balance, before.balance)

  await page.goto(`${stack.baseUrl}/dashboard`)
  await page.getByTestId('account-card').filter({ hasText: 'frozen' }).getByTestId('frozen-notice').filter({ hasText: 'contact us' }).waitFor()
  await page.goto(`${stack.baseUrl}/accounts/${acc1}`)
  const notice = page.getByTestId('frozen-notice')
  await notice.waitFor()
  assert.match(await notice.getByRole('link').first().getAttribute('href'), /^tel:\+/)
  await screenshot(page, '19-frozen-account')
})

test('a customer who opens a staff page gets no staff data', TIMEOUT, async () => {
  const page = customerPage
  const manageResponses = []
  const onResponse = (response) => {
    if (response.url().includes('/api/manage/')) manageResponses.push(response.status())
  }
  page.on('response', onResponse)
  for (const path of ['/staff/users', '/staff/audit', '/staff/deposit']) {
    await page.goto(`${stack.baseUrl}${path}`)
    await page.getByRole('heading', { level: 1, name: 'No access' }).waitFor()
    assert.equal(await page.getByTestId('user-row').count(), 0)
    assert.equal(await page.getByTestId('audit-row').count(), 0)
  }
  await screenshot(page, '12-customer-on-staff-page')
  page.off('response', onResponse)
  assert.deepEqual(manageResponses.filter((s) => s < 400), [], 'no back-office request succeeded')
  assert.equal(await page.getByRole('link', { name: 'Users' }).count(), 0, 'no staff navigation for customers')

  // Going round the page, straight to the API with the customer's session, is refused too.
  const status = await page.evaluate(async () => {
    return (await fetch('/api/manage/users', { headers: { 'X-Requested-With': 'iebank' } })).status
  })
  assert.equal(status, 403)
})

test('staff create a customer, then deactivate them, and the customer can no longer sign in', TIMEOUT, async () => {
  const person = { username: `e2e_new_${run}`, password: 'Initial-pass-7', fullName: 'Brian Created' }
  await staffPage.goto(`${stack.baseUrl}/staff/users`)
  await staffPage.getByRole('link', { name: 'New user' }).click()
  await field(staffPage, 'Username').fill(person.username)
  await field(staffPage, 'Initial password').fill(person.password)
  await field(staffPage, 'Full name').fill(person.fullName)
  await field(staffPage, 'Email').fill(`brian.${run}@example.com`)
  await field(staffPage, 'Role').selectOption('user')
  await screenshot(staffPage, '18-staff-user-new')
  await button(staffPage, 'Create user').click()
  await staffPage.getByRole('heading', { level: 1, name: person.fullName }).waitFor()
  assert.equal(await staffPage.getByTestId('staff-account-row').count(), 1, 'a new customer gets an account')

  const page = await newPage()
  await signIn(page, person.username, person.password)
  await page.getByTestId('account-card').first().waitFor()

  await staffPage.getByRole('link', { name: 'Edit user' }).click()
  await staffPage.getByLabel('Active (can sign in)').uncheck()
  await button(staffPage, 'Save changes').click()
  await staffPage.getByRole('heading', { level: 1, name: person.fullName }).waitFor()
  await staffPage.locator('dl.details').getByText('No', { exact: true }).waitFor()

  await page.getByRole('button', { name: /Sign out/ }).click()
  await page.waitForURL(/\/sign-in/)
  await field(page, 'Username').fill(person.username)
  await field(page, 'Password').fill(person.password)
  await button(page, 'Sign in').click()
  await page.getByRole('alert').filter({ hasText: 'Your sign-in is disabled' }).waitFor()
  assert.match(page.url(), /\/sign-in/)
  await page.close()
})

test('an expired or revoked session sends the person to sign in and back to where they were', TIMEOUT, async () => {
  const page = await newPage()
  await signIn(page, customer.username, customer.password)
  // The dashboard's own requests answered first: one refused mid-flight would end the session in
  // this tab before the reload below, which is a different journey.
  await page.getByTestId('account-card').first().waitFor()
  await page.waitForLoadState('networkidle')
  // The session is an HttpOnly cookie: no script on the page can read it, and no token is kept.
  const cookie = await sessionCookie(page)
  assert.ok(cookie, 'signed in with the session cookie')
  assert.equal(await page.evaluate(() => document.cookie.includes('iebank-session')), false)
  // Ended on the server (as another device signing it out would), with the tab still open.
  const revoked = await fetch(`${stack.apiUrl}/api/auth/logout`, { method: 'POST', headers: asBrowser(cookie) })
  assert.equal(revoked.status, 204)
  await page.goto(`${stack.baseUrl}/history`)
  await page.waitForURL(/\/sign-in\?redirect=(%2F|\/)history/)
  await page.getByText('Your session has ended').waitFor()
  assert.equal(await field(page, 'Username').inputValue(), customer.username)
  await field(page, 'Password').fill(customer.password)
  await button(page, 'Sign in').click()
  await page.waitForURL(/\/history$/)

  // Sign out ends the session on the server: its cookie, replayed, is refused.
  const second = await sessionCookie(page)
  // The page leaves at once; the server's answer to the logout (which clears the cookie) follows.
  const loggedOut = page.waitForResponse((response) => response.url().endsWith('/api/auth/logout'))
  await page.getByRole('button', { name: /Sign out/ }).click()
  await page.waitForURL(/\/sign-in/)
  assert.equal((await loggedOut).status(), 204)
  assert.equal(await sessionCookie(page), null, 'the cookie is cleared')
  assert.equal((await fetch(`${stack.apiUrl}/api/me`, { headers: asBrowser(second) })).status, 401)
  const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage, ...localStorage }))
  assert.doesNotMatch(stored, /token|iebank-session/i)
  await page.close()
})

test('every page passes an axe-core scan with no serious or critical violations, and works on a phone and a keyboard', TIMEOUT, async () => {
  const anonymous = await newPage()
  for (const [path, name] of [
    ['/', 'landing'],
    ['/sign-in', 'sign-in'],
    ['/register', 'register'],
    ['/no-such-page', 'not-found'],
  ]) {
    await anonymous.goto(`${stack.baseUrl}${path}`)
    await anonymous.getByRole('heading', { level: 1 }).waitFor()
    await scan(anonymous, name)
  }

  // Keyboard only: Tab to the username field, type, Tab, type, Enter.
  await anonymous.goto(`${stack.baseUrl}/sign-in`)
  for (let i = 0; i < 20; i++) {
    await anonymous.keyboard.press('Tab')
    if (await anonymous.evaluate(() => document.activeElement?.getAttribute('autocomplete') === 'username')) break
  }
  await anonymous.keyboard.type(customer.username)
  await anonymous.keyboard.press('Tab')
  await anonymous.keyboard.type(customer.password)
  await anonymous.keyboard.press('Enter')
  await anonymous.waitForURL(/\/dashboard/)

  const customerPages = [
    ['/dashboard', 'dashboard'],
    [`/accounts/${acc1}`, 'account'],
    ['/history', 'history'],
    ['/transfer', 'transfer'],
    ['/staff/users', 'forbidden'],
  ]
  for (const [path, name] of customerPages) {
    await anonymous.goto(`${stack.baseUrl}${path}`)
    await anonymous.getByRole('heading', { level: 1 }).waitFor()
    await anonymous.waitForLoadState('networkidle')
    await scan(anonymous, name)
  }
  await anonymous.goto(`${stack.baseUrl}/history`)
  await anonymous.getByTestId('transaction').first().waitFor()
  await screenshot(anonymous, '13-history')

  // Phone-sized screen: nothing wider than the viewport.
  await anonymous.setViewportSize({ width: 390, height: 844 })
  for (const [path, name] of [
    ['/dashboard', '14-phone-dashboard'],
    ['/transfer', '15-phone-transfer'],
    [`/accounts/${acc1}`, null],
    ['/history', '23-phone-history'],
  ]) {
    await anonymous.goto(`${stack.baseUrl}${path}`)
    await anonymous.getByRole('heading', { level: 1 }).waitFor()
    await anonymous.waitForLoadState('networkidle')
    const overflow = await anonymous.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    assert.ok(overflow <= 0, `${path} is ${overflow}px wider than a phone screen`)
    if (name) await screenshot(anonymous, name)
  }
  // History on a phone: each line keeps its account and counterparty, as a stacked row.
  await anonymous.goto(`${stack.baseUrl}/history`)
  const line = anonymous.getByTestId('transaction').filter({ hasText: 'Rent share' }).first()
  await line.waitFor()
  assert.ok(await line.getByTestId('transaction-account').isVisible(), 'the account is shown on a phone')
  assert.ok(await line.getByTestId('transaction-counterparty').isVisible(), 'the counterparty is shown on a phone')
  // The "From account" dropdown fits the screen.
  await anonymous.goto(`${stack.baseUrl}/transfer`)
  const from = field(anonymous, 'From account')
  await from.waitFor()
  const box = await from.boundingBox()
  assert.ok(box && box.x + box.width <= 390, `the From account dropdown ends at ${box?.x + box?.width}px on a 390px screen`)
  await anonymous.close()

  // Staff pages on a phone: nothing wider than the screen; wide tables scroll inside their box.
  await staffPage.setViewportSize({ width: 390, height: 844 })
  await staffPage.goto(`${stack.baseUrl}/staff/users`)
  await field(staffPage, 'Search by username, name or email').fill(customer.username)
  await button(staffPage, 'Search').click()
  await staffPage.getByRole('link', { name: customer.username, exact: true }).click()
  await staffPage.getByTestId('staff-account-row').first().waitFor()
  await staffPage.waitForLoadState('networkidle')
  const staffOverflow = await staffPage.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  assert.ok(staffOverflow <= 0, `the staff user page is ${staffOverflow}px wider than a phone screen`)
  await screenshot(staffPage, '24-phone-staff-user')
  await staffPage.setViewportSize({ width: 1280, height: 900 })

  const staffPages = [
    ['/staff/users', 'staff-users'],
    ['/staff/users/new', 'staff-user-new'],
    ['/staff/deposit', 'staff-deposit'],
    ['/staff/audit', 'staff-audit'],
  ]
  for (const [path, name] of staffPages) {
    await staffPage.goto(`${stack.baseUrl}${path}`)
    await staffPage.getByRole('heading', { level: 1 }).waitFor()
    await staffPage.waitForLoadState('networkidle')
    await scan(staffPage, name)
  }
  await staffPage.goto(`${stack.baseUrl}/staff/users`)
  await staffPage.getByTestId('user-row').first().waitFor()
  await screenshot(staffPage, '16-staff-users')
  await staffPage.goto(`${stack.baseUrl}/staff/audit`)
  await staffPage.getByTestId('audit-row').first().waitFor()
  const actions = await staffPage.getByTestId('audit-action').allTextContents()
  assert.ok(actions.includes('Cash deposit'), `readable action names: ${actions.join(', ')}`)
  assert.ok(actions.every((a) => !/^[a-z]+\.[a-z]+$/.test(a)), `no raw event codes: ${actions.join(', ')}`)
  await screenshot(staffPage, '17-staff-audit')
  await staffPage.goto(`${stack.baseUrl}/staff/users`)
  await field(staffPage, 'Search by username, name or email').fill(customer.username)
  await button(staffPage, 'Search').click()
  await staffPage.getByRole('link', { name: customer.username, exact: true }).click()
  await staffPage.getByTestId('transaction').first().waitFor()
  await scan(staffPage, 'staff-user-detail')
  await staffPage.getByRole('link', { name: 'Edit user' }).click()
  await field(staffPage, 'Full name').waitFor()
  await scan(staffPage, 'staff-user-edit')
  await staffPage.goBack()
  await staffPage.getByTestId('staff-account-row').first().getByRole('link', { name: /^Edit / }).click()
  await field(staffPage, 'Status').waitFor()
  await scan(staffPage, 'staff-account-edit')

  // Every finding, minor ones included, for people to read; only serious and critical ones fail.
  mkdirSync(join(frontendDir, 'test-results'), { recursive: true })
  writeFileSync(join(frontendDir, 'test-results', 'axe-violations.json'), JSON.stringify(allViolations, null, 2))
  assert.deepEqual(a11yFindings, [], `serious/critical accessibility violations:\n${JSON.stringify(a11yFindings, null, 2)}`)
})

test('a transfer under review when the session runs out is back on its review after signing in again', TIMEOUT, async () => {
  const page = await newPage()
  // The page's clock (its own browser context), so 5 idle minutes pass without waiting for them.
  await page.clock.install()
  // acc1 is frozen by now, and the check before the review would refuse a transfer to it.
  const recipient = await apiOpenAccount('Session test')
  await signIn(page, customer.username, customer.password)
  await page.goto(`${stack.baseUrl}/transfer?from=${acc2}`)
  await field(page, 'From account').selectOption(acc2)
  await field(page, 'Recipient account number').fill(recipient)
  await field(page, 'Amount (EUR)').fill('2,75')
  await button(page, 'Review transfer').click()
  await page.getByTestId('transfer-review').waitFor()
  const before = await apiBalances()
  const cookie = await sessionCookie(page)
  // A minute before the 5-minute idle limit, the person is asked; nobody answers.
  await page.clock.fastForward('04:05')
  const warning = page.getByRole('alertdialog', { name: 'Are you still there?' })
  await warning.waitFor()
  assert.match(await warning.textContent(), /signed out in 0:5\d/)
  const loggedOut = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/auth/logout')
  await page.clock.fastForward('01:00')
  // Signed out on the server too, and sign-in says why, keeps the username and returns to the review.
  assert.equal((await loggedOut).status(), 204)
  await page.waitForURL(/\/sign-in/)
  await page.getByText('Your session has ended').waitFor()
  assert.equal((await fetch(`${stack.apiUrl}/api/me`, { headers: asBrowser(cookie) })).status, 401)
  assert.equal(await field(page, 'Username').inputValue(), customer.username)
  await field(page, 'Password').fill(customer.password)
  await button(page, 'Sign in').click()
  const review = page.getByTestId('transfer-review')
  await review.waitFor()
  assert.match(await review.textContent(), /€2\.75/)
  assert.deepEqual((await apiBalances()).balance, before.balance, 'nothing moved while signed out')
  await page.close()
})

test('no page broke the Content-Security-Policy or threw an uncaught error', () => {
  assert.deepEqual(pageErrors, [])
})
