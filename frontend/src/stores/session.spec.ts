import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { customer, fakeApi, json, problem } from '@/test/fakeApi'
import { SESSION_KEY, useSessionStore } from './session'

describe('session store', () => {
  beforeEach(() => {
    sessionStorage.clear()
    localStorage.clear()
    setActivePinia(createPinia())
  })

  it('keeps the token in memory and sessionStorage, never in localStorage', async () => {
    fakeApi({ 'POST /api/auth/login': () => json({ access_token: 'jwt-1', token_type: 'Bearer', expires_in: 900, user: customer }) })
    const session = useSessionStore()
    await session.signIn('aoife', 'secret123')
    expect(session.token).toBe('jwt-1')
    expect(session.isSignedIn).toBe(true)
    expect(JSON.parse(sessionStorage.getItem(SESSION_KEY)!).token).toBe('jwt-1')
    expect(localStorage.length).toBe(0)
  })

  it('restores a live session after a page reload in the same tab', async () => {
    fakeApi({ 'POST /api/auth/login': () => json({ access_token: 'jwt-2', token_type: 'Bearer', expires_in: 900, user: customer }) })
    await useSessionStore().signIn('aoife', 'secret123')
    setActivePinia(createPinia())
    expect(useSessionStore().token).toBe('jwt-2')
  })

  it('drops a stored session that has expired', () => {
    sessionStorage.setItem(SESSION_KEY, JSON.stringify({ token: 'old', user: customer, expiresAt: Date.now() - 1 }))
    expect(useSessionStore().isSignedIn).toBe(false)
    expect(sessionStorage.getItem(SESSION_KEY)).toBeNull()
  })

  it('signing out clears memory and storage', async () => {
    fakeApi({ 'POST /api/auth/login': () => json({ access_token: 'jwt-3', token_type: 'Bearer', expires_in: 900, user: customer }) })
    const session = useSessionStore()
    await session.signIn('aoife', 'secret123')
    session.signOut()
    expect(session.token).toBeNull()
    expect(session.user).toBeNull()
    expect(sessionStorage.getItem(SESSION_KEY)).toBeNull()
  })

  it('stays signed out when the credentials are wrong', async () => {
    fakeApi({ 'POST /api/auth/login': () => problem('invalid-credentials', 401) })
    const session = useSessionStore()
    await expect(session.signIn('aoife', 'nope')).rejects.toMatchObject({ slug: 'invalid-credentials' })
    expect(session.isSignedIn).toBe(false)
    expect(sessionStorage.getItem(SESSION_KEY)).toBeNull()
  })

  it('remembers who was signed in when the session ended by itself, but not after signing out', async () => {
    fakeApi({ 'POST /api/auth/login': () => json({ access_token: 'jwt-3', token_type: 'Bearer', expires_in: 900, user: customer }) })
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
