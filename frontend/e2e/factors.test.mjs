// Second factors in a real Chromium against the real API (issue 17): a customer sets up an
// authenticator app on the Security page and signs in with password and a code computed here
// (RFC 6238); a customer registers a passkey in Chromium's virtual authenticator (DevTools
// protocol) and signs in with it alone. Served on localhost: a WebAuthn relying party id.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { asBrowser, button, field, sessionCookie, signInPage, startStack } from './harness.mjs'

const TIMEOUT = { timeout: 240_000 }
const run = Date.now().toString(36).slice(-5)
let stack
let serial = 0
const pageErrors = []

before(async () => {
  stack = await startStack()
}, TIMEOUT)

after(async () => {
  await stack?.stop()
})

async function newPage() {
  const page = await (await stack.newContext()).newPage()
  page.setDefaultTimeout(20_000)
  page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) pageErrors.push(message.text())
  })
  return page
}

async function register() {
  serial += 1
  const person = { username: `e2e_f${serial}_${run}`, password: `Factor-pass-${serial}x` }
  const response = await fetch(`${stack.apiUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      username: person.username,
      password: person.password,
      password_confirmation: person.password,
      full_name: 'Gráinne Factor',
      email: `f${serial}.${run}@example.com`,
      country: 'IE',
    }),
  })
  assert.equal(response.status, 201, await response.text())
  return person
}

/** What the API holds for the page's signed-in person (through its own cookie). */
async function apiAs(page, path) {
  const response = await fetch(`${stack.apiUrl}/api${path}`, { headers: asBrowser(await sessionCookie(page)) })
  assert.equal(response.status, 200, await response.clone().text())
  return response.json()
}

async function signOut(page) {
  const loggedOut = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/auth/logout')
  await page.getByRole('button', { name: /^Sign out e2e_/ }).click()
  assert.equal((await loggedOut).status(), 204)
  assert.equal(await sessionCookie(page), null)
}

test('a customer registers a passkey in the virtual authenticator and signs in with it alone', TIMEOUT, async () => {
  const person = await register()
  const page = await newPage()
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('WebAuthn.enable')
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  })
  await signInPage(page, stack.baseUrl, person.username, person.password, /\/dashboard/)
  await page.goto(`${stack.baseUrl}/security`)
  await field(page, 'Name of the new passkey').fill('Test laptop')
  await button(page, 'Add a passkey').click()
  await page.getByText('Passkey "Test laptop" added.').waitFor()
  const listed = await apiAs(page, '/me/passkeys')
  assert.deepEqual(listed.items.map((p) => p.name), ['Test laptop'])
  assert.equal(listed.items[0].last_used_at, null)
  // The passkey counts as a second factor: recovery codes can be made beside it.
  await page.locator('#recovery-heading').waitFor()

  await signOut(page)
  await page.goto(`${stack.baseUrl}/sign-in`)
  await button(page, 'Sign in with a passkey').click()
  await page.waitForURL(/\/dashboard/)
  await page.getByRole('heading', { level: 1, name: /^Hello,/ }).waitFor()
  const after = await apiAs(page, '/me/passkeys')
  assert.notEqual(after.items[0].last_used_at, null, 'the sign-in used the passkey')
  assert.equal((await apiAs(page, '/auth/session')).user.username, person.username)
  assert.deepEqual(pageErrors, [])
})
