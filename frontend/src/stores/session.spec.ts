import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { customer, fakeApi, json, problem } from '@/test/fakeApi'
import { SIGNED_IN_AS_KEY, useSessionStore } from './session'

const NOW = Date.parse('2026-12-03T10:00:00Z')

/** What the API answers at sign-in and for GET /api/auth/session, on its own clock. */
function sessionBody(options: { serverNow?: number; idleSeconds?: number; passwordChangeRequired?: boolean } = {}) {
  const serverNow = options.serverNow ?? NOW
  const idle = options.idleSeconds ?? 300
  return {
    user: customer,
    session: {
      id: 's-1',
      created_at: new Date(serverNow).toISOString(),
      idle_expires_at: new Date(serverNow + idle * 1000).toISOString(),
      expires_at: new Date(serverNow + 43_200_000).toISOString(),
      idle_seconds: idle,
    },
    password_change_required: options.passwordChangeRequired ?? false,
  }
}

const loginBody = (options?: Parameters<typeof sessionBody>[0]) => ({
  ...sessionBody(options),
  access_token: 'for-scripts-only',
  token_type: 'Bearer',
  expires_in: 300,
})

describe('session store', () => {
  beforeEach(() => {
    sessionStorage.clear()
    localStorage.clear()
    setActivePinia(createPinia())
    vi.useFakeTimers({ now: NOW, toFake: ['Date'] })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('keeps no token anywhere a script could read it: only who is signed in', async () => {
    fakeApi({ 'POST /api/auth/login': () => json(loginBody()) })
    const session = useSessionStore()
    await session.signIn('aoife', 'secret123')
    expect(session.isSignedIn).toBe(true)
    expect(JSON.stringify(session.$state)).not.toContain('for-scripts-only')
    expect(JSON.stringify({ ...sessionStorage })).not.toContain('for-scripts-only')
    expect(sessionStorage.getItem(SIGNED_IN_AS_KEY)).toBe('aoife')
    expect(localStorage.length).toBe(0)
  })

  it('counts the idle limit on this tab’s clock, whatever the server’s clock says', async () => {
    // The server's clock is an hour behind; the deadline is 300 s from when the request left.
    fakeApi({ 'POST /api/auth/login': () => json(loginBody({ serverNow: NOW - 3_600_000 })) })
    const session = useSessionStore()
    await session.signIn('aoife', 'secret123')
    expect(session.idleDeadline).toBe(NOW + 300_000)
    expect(session.absoluteDeadline).toBe(NOW + 43_200_000)
  })

  it('moves the idle deadline with each answered request, never past the absolute end', async () => {
    fakeApi({ 'POST /api/auth/login': () => json(loginBody()) })
    const session = useSessionStore()
    await session.signIn('aoife', 'secret123')
    session.touched(NOW + 120_000)
    expect(session.idleDeadline).toBe(NOW + 420_000)
    session.touched(NOW + 43_100_000)
    expect(session.idleDeadline).toBe(NOW + 43_200_000)
  })

  it('restores the session behind the cookie after a reload', async () => {
    const server = fakeApi({ 'GET /api/auth/session': () => json(sessionBody()) })
    const session = useSessionStore()
    await session.restore()
    expect(session.user?.username).toBe('aoife')
    expect(server.requests[0]!.headers.get('x-requested-with')).toBe('iebank')
  })

  it('after a reload onto an ended session, remembers who it was so sign-in can say so', async () => {
    sessionStorage.setItem(SIGNED_IN_AS_KEY, 'aoife')
    fakeApi({ 'GET /api/auth/session': () => problem('unauthorized', 401) })
    const session = useSessionStore()
    await session.restore()
    expect(session.isSignedIn).toBe(false)
    expect(session.endedFor).toBe('aoife')
    expect(sessionStorage.getItem(SIGNED_IN_AS_KEY)).toBeNull()
  })

  it('a first visit is simply signed out', async () => {
    fakeApi({ 'GET /api/auth/session': () => problem('unauthorized', 401) })
    const session = useSessionStore()
    await session.restore()
    expect(session.isSignedIn).toBe(false)
    expect(session.endedFor).toBeNull()
  })

  it('signing out ends the session on the server too', async () => {
    const server = fakeApi({ 'POST /api/auth/login': () => json(loginBody()), 'POST /api/auth/logout': () => new Response(null, { status: 204 }) })
    const session = useSessionStore()
    await session.signIn('aoife', 'secret123')
    session.signOut()
    expect(session.user).toBeNull()
    expect(sessionStorage.getItem(SIGNED_IN_AS_KEY)).toBeNull()
    await vi.waitFor(() => expect(server.sent('POST', '/api/auth/logout')).toHaveLength(1))
    expect(server.sent('POST', '/api/auth/logout')[0]!.headers.get('x-requested-with')).toBe('iebank')
  })

  it('stays signed out when the credentials are wrong', async () => {
    fakeApi({ 'POST /api/auth/login': () => problem('invalid-credentials', 401) })
    const session = useSessionStore()
    await expect(session.signIn('aoife', 'nope')).rejects.toMatchObject({ slug: 'invalid-credentials' })
    expect(session.isSignedIn).toBe(false)
    expect(sessionStorage.getItem(SIGNED_IN_AS_KEY)).toBeNull()
  })

  it('knows a session on a temporary password, until the password is changed', async () => {
    fakeApi({ 'POST /api/auth/login': () => json(loginBody({ passwordChangeRequired: true })) })
    const session = useSessionStore()
    await session.signIn('aoife', 'Temp-1234-abcd')
    expect(session.passwordChangeRequired).toBe(true)
    session.passwordChanged()
    expect(session.passwordChangeRequired).toBe(false)
  })

  it('remembers who was signed in when the session ended by itself, but not after signing out', async () => {
    fakeApi({ 'POST /api/auth/login': () => json(loginBody()) })
    const session = useSessionStore()
    await session.signIn('aoife', 'secret123')
    session.signOut('ended')
    session.signOut('ended')
    expect(session.endedFor).toBe('aoife')
    await session.signIn('aoife', 'secret123')
    session.signOut()
    expect(session.endedFor).toBeNull()
  })
})
