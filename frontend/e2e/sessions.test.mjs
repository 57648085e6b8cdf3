// Sessions and passwords in a real Chromium against the real API through the SWA CLI emulator:
// the cookie as the browser holds it, the idle limit (shortened by SESSION_IDLE_SECONDS), a
// password change seen from a second browser, the reset link read from the API's mail sink, and
// a staff reset down to the forced change. Its own stack, because the idle limit is shortened.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { ADMIN, asBrowser, button, field, sessionCookie, signInPage, startStack } from './harness.mjs'

// Short enough to wait for, long enough that no other step here meets the warning (half of it).
const IDLE_SECONDS = 30
const TIMEOUT = { timeout: 180_000 }
const run = Date.now().toString(36).slice(-5)
let stack
let serial = 0


before(async () => {
  stack = await startStack({ env: { SESSION_IDLE_SECONDS: String(IDLE_SECONDS) } })
}, TIMEOUT)

after(async () => {
  await stack?.stop()
})

/** A page in a browser of its own: its own cookie jar, so its own session. */
async function newPage() {
  const page = await (await stack.newContext()).newPage()
  page.setDefaultTimeout(20_000)
  return page
}

async function register() {
  serial += 1
  const person = { username: `e2e_s${serial}_${run}`, password: `Session-pass-${serial}`, email: `s${serial}.${run}@example.com` }
  const response = await fetch(`${stack.apiUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      username: person.username,
      password: person.password,
      password_confirmation: person.password,
      full_name: 'Niamh Session',
      email: person.email,
      country: 'IE',
    }),
  })
  const body = await response.text()
  assert.equal(response.status, 201, body)
  person.id = JSON.parse(body).user.id
  return person
}

async function signIn(page, username, password, landing = /\/(dashboard|staff\/users)/) {
  await signInPage(page, stack.baseUrl, username, password, landing)
}



test('the session is an HttpOnly, Secure, SameSite=Strict host cookie, and the page sends no token', TIMEOUT, async () => {
  const person = await register()
  const page = await newPage()
  const apiRequests = []
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/api/')) apiRequests.push(request)
  })
  await signIn(page, person.username, person.password)
  await page.getByRole('heading', { level: 1, name: /^Hello,/ }).waitFor()
  const cookie = await sessionCookie(page)
  assert.ok(cookie, 'the API set the session cookie through the emulator’s proxy')
  assert.equal(cookie.httpOnly, true)
  assert.equal(cookie.secure, true)
  assert.equal(cookie.sameSite, 'Strict')
  assert.equal(cookie.path, '/')
  assert.equal(cookie.domain, new URL(stack.baseUrl).hostname, 'host-only: no Domain attribute')
  assert.equal(await page.evaluate(() => document.cookie.includes('iebank-session')), false, 'no script can read it')
  const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage, ...localStorage }))
  assert.doesNotMatch(stored, /token|iebank-session/i)
  assert.ok(apiRequests.length >= 2)
  for (const request of apiRequests) {
    const headers = await request.allHeaders()
    assert.equal(headers.authorization, undefined, `${request.url()} carried no Authorization header`)
    assert.equal(headers['x-requested-with'], 'iebank', `${request.url()} carried the CSRF header`)
  }
  // The same cookie without the header, as a cross-site form would send it, is refused.
  const forged = await fetch(`${stack.apiUrl}/api/accounts`, { headers: { Cookie: `${cookie.name}=${cookie.value}` } })
  assert.equal(forged.status, 403)
  // A reload keeps the person signed in: the session is read back from the API.
  await page.reload()
  await page.getByRole('heading', { level: 1, name: /^Hello,/ }).waitFor()
  await page.context().close()
})

test('idle past SESSION_IDLE_SECONDS: the warning, "Stay signed in", then signed out on the server too', TIMEOUT, async () => {
  const person = await register()
  const page = await newPage()
  await signIn(page, person.username, person.password)
  await page.goto(`${stack.baseUrl}/history`)
  const warning = page.getByRole('alertdialog', { name: 'Are you still there?' })
  // Half the limit before its end (a minute, with the default 5 minutes).
  await warning.waitFor({ timeout: IDLE_SECONDS * 1000 })
  await button(page, 'Stay signed in').click()
  await warning.waitFor({ state: 'hidden' })
  const cookie = await sessionCookie(page)
  // Nobody answers the second warning: at the limit the page signs out and says why.
  await warning.waitFor({ timeout: IDLE_SECONDS * 1000 })
  await page.waitForURL(/\/sign-in\?redirect=(%2F|\/)history/, { timeout: IDLE_SECONDS * 1000 })
  await page.getByText('Your session has ended').waitFor()
  assert.equal(await field(page, 'Username').inputValue(), person.username)
  assert.equal((await fetch(`${stack.apiUrl}/api/me`, { headers: asBrowser(cookie) })).status, 401, 'the old cookie, replayed')
  await field(page, 'Password').fill(person.password)
  await button(page, 'Sign in').click()
  await page.waitForURL(/\/history$/)
  await page.context().close()
})

test('a password change in one browser signs the other out; the Security page lists and ends sessions', TIMEOUT, async () => {
  const person = await register()
  const laptop = await newPage()
  const phone = await newPage()
  await signIn(laptop, person.username, person.password)
  await signIn(phone, person.username, person.password)
  const third = await newPage()
  await signIn(third, person.username, person.password)

  await laptop.getByRole('link', { name: 'Security' }).click()
  const rows = laptop.getByTestId('sessions').locator('tbody tr')
  await rows.nth(2).waitFor()
  assert.equal(await rows.count(), 3)
  assert.equal(await rows.filter({ hasText: 'This device' }).count(), 1)

  // Ending one session from the list: that browser is signed out at its next step.
  const thirdCookie = await sessionCookie(third)
  await rows.filter({ hasNotText: 'This device' }).first().getByRole('button', { name: /^Sign out/ }).click()
  await laptop.getByRole('status').filter({ hasText: 'Signed out:' }).waitFor()
  await rows.nth(2).waitFor({ state: 'detached' })
  assert.equal(await rows.count(), 2)
  const phoneAlive = (await fetch(`${stack.apiUrl}/api/me`, { headers: asBrowser(await sessionCookie(phone)) })).status
  const thirdAlive = (await fetch(`${stack.apiUrl}/api/me`, { headers: asBrowser(thirdCookie) })).status
  // Which of the two was first in the list is the API's order; exactly one of them ended.
  assert.deepEqual([phoneAlive, thirdAlive].sort(), [200, 401])
  const survivor = phoneAlive === 200 ? phone : third

  // The survivor was idle while the laptop worked: a step now, so its own idle limit is not what ends it.
  await survivor.reload()
  await survivor.getByRole('heading', { level: 1, name: /^Hello,/ }).waitFor()
  const newPassword = 'Changed-pass-77'
  await field(laptop, 'Current password').fill(person.password)
  await field(laptop, 'New password').fill(newPassword)
  await field(laptop, 'Repeat the new password').fill(newPassword)
  await button(laptop, 'Change password').click()
  await laptop.getByRole('status').filter({ hasText: 'Your password is changed' }).waitFor()
  await rows.nth(1).waitFor({ state: 'detached' })
  assert.equal(await rows.count(), 1, 'only this device is left')

  // The other browser, at its next step, is at sign-in and says why.
  await survivor.goto(`${stack.baseUrl}/history`)
  await survivor.waitForURL(/\/sign-in/)
  await survivor.getByText('Your session has ended').waitFor()
  await field(survivor, 'Password').fill(person.password)
  await button(survivor, 'Sign in').click()
  await survivor.getByRole('alert').filter({ hasText: 'Wrong username or password' }).waitFor()
  await field(survivor, 'Password').fill(newPassword)
  await button(survivor, 'Sign in').click()
  await survivor.waitForURL(/\/history$/)
  for (const page of [laptop, phone, third]) await page.context().close()
})

test('a forgotten password: the emailed link (read from the API’s mail sink) sets a new one, once', TIMEOUT, async () => {
  const person = await register()
  const page = await newPage()
  await page.goto(`${stack.baseUrl}/sign-in`)
  await field(page, 'Username').fill(person.username)
  await page.getByRole('link', { name: 'Forgotten your password?' }).click()
  await page.waitForURL(/\/forgot-password/)
  assert.equal(await field(page, 'Username or email').inputValue(), person.username)
  await button(page, 'Send the link').click()
  await page.getByRole('status').filter({ hasText: `If ${person.username} is an IE Bank username or email` }).waitFor()

  let message
  for (let i = 0; i < 40 && !message; i++) {
    message = (await stack.mail()).find((m) => m.to.includes(person.email))
    if (!message) await new Promise((r) => setTimeout(r, 250))
  }
  assert.ok(message, 'the reset email reached the sink')
  const link = message.text.match(/https?:\/\/\S+\/reset-password#token=[\w-]+/)?.[0]
  assert.ok(link, `a reset link in: ${message.text}`)
  assert.ok(link.startsWith(stack.baseUrl), 'the link points at the site')

  await page.goto(link)
  await page.getByRole('heading', { level: 1, name: 'Choose a new password' }).waitFor()
  assert.doesNotMatch(page.url(), /token/, 'the token is out of the address bar')
  const newPassword = 'Recovered-pass-5'
  await field(page, 'New password').fill(newPassword)
  await field(page, 'Repeat the new password').fill(newPassword)
  await button(page, 'Save the new password').click()
  await page.getByText('Your new password is set').waitFor()
  await field(page, 'Username').fill(person.username)
  await field(page, 'Password').fill(newPassword)
  await button(page, 'Sign in').click()
  await page.waitForURL(/\/dashboard/)

  // The link works once.
  const again = await newPage()
  await again.goto(link)
  await field(again, 'New password').fill('Another-pass-6')
  await field(again, 'Repeat the new password').fill('Another-pass-6')
  await button(again, 'Save the new password').click()
  await again.getByRole('alert').filter({ hasText: 'This link is not valid any more' }).waitFor()
  for (const p of [page, again]) await p.context().close()
})

test('a staff password reset: the temporary password only lets the customer choose a new one', TIMEOUT, async () => {
  const person = await register()
  const customerPage = await newPage()
  await signIn(customerPage, person.username, person.password)
  const staff = await newPage()
  await signIn(staff, ADMIN.username, ADMIN.password)
  await staff.goto(`${stack.baseUrl}/staff/users/${person.id}`)
  await button(staff, 'Reset password…').click()
  await button(staff, 'Yes, reset password').click()
  const shown = staff.getByTestId('temporary-password')
  await shown.waitFor()
  const temporary = (await shown.locator('strong').textContent()).trim()
  assert.match(temporary, /^\w{4}-\w{4}-\w{4}-\w{4}$/)

  // The customer's own session ended with the reset.
  await customerPage.getByRole('link', { name: 'History', exact: true }).click()
  await customerPage.waitForURL(/\/sign-in/)

  const counter = await newPage()
  await signIn(counter, person.username, temporary, /\/security/)
  await counter.getByRole('heading', { level: 1, name: 'Choose your own password' }).waitFor()
  // Every other page waits for the new password.
  await counter.goto(`${stack.baseUrl}/dashboard`)
  await counter.waitForURL(/\/security/)
  await counter.getByRole('heading', { level: 1, name: 'Choose your own password' }).waitFor()
  const own = 'Own-choice-pass-3'
  await field(counter, 'Temporary password').fill(temporary)
  await field(counter, 'New password').fill(own)
  await field(counter, 'Repeat the new password').fill(own)
  await button(counter, 'Change password').click()
  await counter.waitForURL(/\/dashboard/)
  await counter.getByRole('heading', { level: 1, name: /^Hello,/ }).waitFor()
  for (const p of [customerPage, staff, counter]) await p.context().close()
})
