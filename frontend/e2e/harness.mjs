// Starts the real stack for the browser tests and tears it down again:
//   local Functions host (python -m devhost) with a fresh embedded PostgreSQL in a temp dir
//   → SWA CLI emulator serving dist/ and proxying /api to it → Debian's Chromium via playwright-core.
import { spawn } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'

export const frontendDir = new URL('..', import.meta.url).pathname
export const repoDir = join(frontendDir, '..')
// The committed screenshots the README links; E2E_SCREENSHOT_DIR sends them elsewhere (CI artifacts).
export const screenshotDir = process.env.E2E_SCREENSHOT_DIR || join(frontendDir, 'e2e', 'screenshots')

export const ADMIN = { username: 'e2e-staff', password: 'Staff-e2e-pass-42' }

// Locators the browser tests share: a form field by its label (a required one ends " *"), and a
// button by its exact name.
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
export const field = (page, label) => page.getByLabel(new RegExp(`^${escapeRe(label)}( \\*)?$`))
export const button = (page, name) => page.getByRole('button', { name, exact: true })

// Authenticator-app codes computed here (RFC 6238: HMAC-SHA1, 30 s steps, 6 digits), for the
// people whose secret a test has read (the e2e admin's is set up by startStack). The API accepts
// each step once, so the last step used per secret is remembered and the next code waits if needed.
const totpSecrets = new Map()
const lastStep = new Map()
const STEP_MS = 30_000

/** The base32 secret of an otpauth:// URI. */
export const secretFromUri = (uri) => new URL(uri).searchParams.get('secret')

/** Remembers a person's authenticator-app secret, so sign-in helpers can answer the factor step. */
export const rememberTotp = (username, secret) => totpSecrets.set(username, secret)

function base32(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = ''
  for (const char of text.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(char).toString(2).padStart(5, '0')
  const bytes = []
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2))
  return Buffer.from(bytes)
}

export function totpAt(secret, step) {
  const counter = Buffer.alloc(8)
  counter.writeBigUInt64BE(BigInt(step))
  const mac = createHmac('sha1', base32(secret)).update(counter).digest()
  const offset = mac[mac.length - 1] & 0x0f
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0')
}

/** A code of a step not used yet: this step's, else the next one's (within the API's one-step skew), else waits. */
export async function nextTotp(secret) {
  for (;;) {
    const now = Math.floor(Date.now() / STEP_MS)
    const last = lastStep.get(secret) ?? -1
    const step = [now, now + 1].find((candidate) => candidate > last)
    if (step !== undefined) {
      lastStep.set(secret, step)
      return totpAt(secret, step)
    }
    await new Promise((r) => setTimeout(r, (now + 1) * STEP_MS - Date.now() + 200))
  }
}

/**
 * Signs in over the API with a password and, when the API asks for it, the person's app code:
 * the signed-in body (access_token, user, ...).
 */
export async function apiSignIn(apiUrl, username, password) {
  const post = async (path, body) => {
    const response = await fetch(`${apiUrl}/api${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    })
    const text = await response.text()
    if (response.status !== 200) throw new Error(`${path} answered ${response.status}: ${text}`)
    return JSON.parse(text)
  }
  const first = await post('/auth/login', { username, password })
  if (first.status !== 'factor_required') return first
  const secret = totpSecrets.get(username)
  if (!secret) throw new Error(`${username} must answer a second factor and the test knows no secret of theirs`)
  return post('/auth/login/factor', { challenge_id: first.challenge_id, method: 'totp', code: await nextTotp(secret) })
}

/**
 * Signs in on the sign-in page; when the factor step follows, types the person's app code.
 * Waits for `landing`.
 */
export async function signInPage(page, baseUrl, username, password, landing = /\/(dashboard|staff\/users|security)/) {
  await page.goto(`${baseUrl}/sign-in`)
  await field(page, 'Username').fill(username)
  await field(page, 'Password').fill(password)
  await button(page, 'Sign in').click()
  const code = page.locator('input[autocomplete="one-time-code"]')
  const deadline = Date.now() + 20_000
  while (!landing.test(new URL(page.url()).pathname)) {
    if (Date.now() > deadline) throw new Error(`sign-in of ${username} did not reach ${landing}; at ${page.url()}`)
    if (await code.isVisible()) {
      const secret = totpSecrets.get(username)
      if (!secret) throw new Error(`${username} must answer a second factor and the test knows no secret of theirs`)
      await code.fill(await nextTotp(secret))
      await button(page, 'Sign in').click()
      await page.waitForURL((url) => landing.test(url.pathname))
      return
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Sets up an authenticator app for a person over the API (signed in with the password): its secret. */
export async function enrolTotp(apiUrl, username, password) {
  const { access_token: token } = await apiSignIn(apiUrl, username, password)
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }
  const started = await fetch(`${apiUrl}/api/me/totp`, { method: 'POST', headers })
  if (started.status !== 201) throw new Error(`POST /api/me/totp answered ${started.status}: ${await started.text()}`)
  const secret = secretFromUri((await started.json()).otpauth_uri)
  const confirmed = await fetch(`${apiUrl}/api/me/totp/confirm`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ code: await nextTotp(secret) }),
  })
  if (confirmed.status !== 200) throw new Error(`POST /api/me/totp/confirm answered ${confirmed.status}: ${await confirmed.text()}`)
  rememberTotp(username, secret)
  return secret
}

/** The session cookie the API set in the page's browser context, or null. */
export async function sessionCookie(page) {
  return (await page.context().cookies()).find((c) => c.name === '__Host-iebank-session') ?? null
}

/** What a browser sends with that cookie: the cookie and the header a cross-site form cannot send. */
export const asBrowser = (cookie) => ({ Cookie: `${cookie.name}=${cookie.value}`, 'X-Requested-With': 'iebank' })

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

async function waitFor(url, { timeoutMs, process: child, name, log }) {
  const deadline = Date.now() + timeoutMs
  let lastError = ''
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} before it was ready; log: ${log}\n${tail(log)}`)
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(3000) })
      if (response.ok) return
      lastError = `HTTP ${response.status}`
    } catch (error) {
      lastError = String(error)
    }
    await new Promise((r) => setTimeout(r, 500))
  }
  throw new Error(`${name} not ready at ${url} after ${timeoutMs / 1000}s (${lastError}); log: ${log}\n${tail(log)}`)
}

function tail(file) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-30).join('\n')
  } catch {
    return ''
  }
}

function startProcess(name, command, args, { cwd, env, logDir }) {
  const log = join(logDir, `${name}.log`)
  const out = createWriteStream(log)
  // Own process group, so stopping it also stops its children (workers, the SWA proxy).
  const fullEnv = { ...process.env, ...env }
  for (const [key, value] of Object.entries(fullEnv)) if (value === undefined) delete fullEnv[key]
  const child = spawn(command, args, { cwd, env: fullEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout.pipe(out)
  child.stderr.pipe(out)
  return { child, log }
}

async function stopProcess(child, name) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  try {
    process.kill(-child.pid, 'SIGTERM')
  } catch {
    return
  }
  const timer = setTimeout(() => {
    console.error(`${name} did not stop in 20 s; killing it`)
    try {
      process.kill(-child.pid, 'SIGKILL')
    } catch {
      /* already gone */
    }
  }, 20_000)
  await exited
  clearTimeout(timer)
}

export function chromiumPath() {
  const path = process.env.PLAYWRIGHT_CHROMIUM_EXECUTABLE || '/usr/bin/chromium'
  // A missing browser fails the run; it is never a reason to skip.
  if (!existsSync(path)) {
    throw new Error(`Chromium not found at ${path}. Install it (apt-get install -y chromium, or \`make system-deps\`) or set PLAYWRIGHT_CHROMIUM_EXECUTABLE.`)
  }
  return path
}

/**
 * Starts everything; returns { baseUrl, apiUrl, context, newContext, mail, stop }. `env` adds
 * settings for the API (a shortened SESSION_IDLE_SECONDS, say).
 */
export async function startStack({ env: extraEnv = {} } = {}) {
  const executablePath = chromiumPath()
  const python = process.env.IEBANK_PYTHON || join(repoDir, '.venv', 'bin', 'python')
  if (!existsSync(python)) throw new Error(`no Python at ${python}; run \`make venv\` first`)
  if (!existsSync(join(frontendDir, 'dist', 'index.html'))) throw new Error('dist/ is missing; run `npm run build` first')

  const workDir = mkdtempSync(join(tmpdir(), 'iebank-e2e-'))
  const pgData = join(workDir, 'pg')
  const logDir = join(workDir, 'logs')
  mkdirSync(logDir)
  const processes = []
  let browser = null
  let context = null

  let stopped = false
  async function stop() {
    if (stopped) return
    stopped = true
    if (browser) await browser.close().catch(() => {})
    for (const { child, name } of processes.reverse()) await stopProcess(child, name)
    // pgserver normally stops PostgreSQL with the host; if it is still up, stop it by its pid.
    const pidFile = join(pgData, 'postmaster.pid')
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0])
      if (pid > 0) {
        try {
          process.kill(pid, 'SIGINT')
          for (let i = 0; i < 40 && existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 250))
        } catch {
          /* not running */
        }
      }
    }
    if (!process.env.IEBANK_E2E_KEEP) rmSync(workDir, { recursive: true, force: true })
    else console.log(`kept ${workDir}`)
  }

  // The host and the proxy run in their own process groups, so Ctrl+C does not reach them: stop them here.
  const onSignal = (signal) => {
    void stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)

  try {
    const apiPort = await freePort()
    const swaPort = await freePort()
    // localhost, not 127.0.0.1: WebAuthn's relying party id must be a domain (an IP address is not valid).
    const baseUrl = `http://localhost:${swaPort}`
    const api = startProcess('devhost', python, ['-m', 'devhost', '--port', String(apiPort), '--log-format', 'text'], {
      cwd: repoDir,
      env: {
        IEBANK_PGDATA: pgData,
        ADMIN_USERNAME: ADMIN.username,
        ADMIN_PASSWORD: ADMIN.password,
        APP_ENV: 'local',
        BCRYPT_ROUNDS: '4',
        // Password-reset mail goes to the host's own sink (read at /_dev/mail), its links to the site.
        SMTP_PORT: String(await freePort()),
        PUBLIC_BASE_URL: baseUrl,
        WEBAUTHN_RP_ID: 'localhost',
        WEBAUTHN_ORIGINS: baseUrl,
        AUTH_ADDRESS_LIMIT_PER_MINUTE: '100000',
        // Never an outside database: the embedded one in the fresh temp dir.
        DATABASE_URL: undefined,
        ...extraEnv,
      },
      logDir,
    })
    processes.push({ ...api, name: 'devhost' })
    const apiUrl = `http://127.0.0.1:${apiPort}`
    await waitFor(`${apiUrl}/api/health`, { timeoutMs: 180_000, process: api.child, name: 'devhost', log: api.log })
    // Staff must hold a second factor before the back office opens: the e2e admin gets an
    // authenticator app, and the sign-in helpers above answer its factor step.
    await enrolTotp(apiUrl, ADMIN.username, ADMIN.password)

    const swa = startProcess(
      'swa',
      join(frontendDir, 'node_modules', '.bin', 'swa'),
      ['start', 'dist', '--api-devserver-url', apiUrl, '--host', '127.0.0.1', '--port', String(swaPort), '--swa-config-location', '.'],
      { cwd: frontendDir, env: {}, logDir },
    )
    processes.push({ ...swa, name: 'swa' })
    await waitFor(`${baseUrl}/`, { timeoutMs: 90_000, process: swa.child, name: 'swa', log: swa.log })
    await waitFor(`${baseUrl}/api/health`, { timeoutMs: 30_000, process: swa.child, name: 'swa proxy', log: swa.log })

    browser = await chromium.launch({
      executablePath,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    })
    // One context is one person's browser: its own cookie jar, so its own session.
    const newContext = () => browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-IE' })
    context = await newContext()
    /** The mail the API has sent so far (its SMTP sink), newest last. */
    const mail = async () => (await (await fetch(`${apiUrl}/_dev/mail`)).json())
    return { baseUrl, apiUrl, context, newContext, mail, stop, logs: { api: api.log, swa: swa.log } }
  } catch (error) {
    await stop()
    throw error
  }
}
