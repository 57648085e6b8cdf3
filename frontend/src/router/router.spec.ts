import { describe, expect, it } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { installGuards, routes, safeRedirect, type SessionView } from '.'

function router(view: Partial<SessionView> & { isSignedIn: boolean; isAdmin: boolean }) {
  const session: SessionView = { passwordChangeRequired: false, endedFor: null, ...view }
  const r = createRouter({ history: createMemoryHistory(), routes })
  installGuards(r, () => session)
  return r
}

describe('route guards', () => {
  it('sends a signed-out visitor to sign in and remembers where they were going', async () => {
    const r = router({ isSignedIn: false, isAdmin: false })
    await r.push('/accounts/IE16IEBK00000000000001?x=1')
    expect(r.currentRoute.value.name).toBe('sign-in')
    expect(r.currentRoute.value.query.redirect).toBe('/accounts/IE16IEBK00000000000001?x=1')
  })

  it('after a session ended by itself, sign-in says so and keeps the username', async () => {
    const r = router({ isSignedIn: false, isAdmin: false, endedFor: 'aoife' })
    await r.push('/history')
    expect(r.currentRoute.value.name).toBe('sign-in')
    expect(r.currentRoute.value.query).toMatchObject({ redirect: '/history', expired: '1', username: 'aoife' })
  })

  it.each(['/dashboard', '/transfer', '/staff/users', '/'])(
    'keeps someone signed in with a temporary password on the password change (%s)',
    async (path) => {
      const r = router({ isSignedIn: true, isAdmin: true, passwordChangeRequired: true })
      await r.push(path)
      expect(r.currentRoute.value.name).toBe('security')
    },
  )

  it.each(['/forgot-password', '/reset-password'])('sends a signed-in person who opens %s to their accounts', async (path) => {
    const r = router({ isSignedIn: true, isAdmin: false })
    await r.push(path)
    expect(r.currentRoute.value.name).toBe('dashboard')
  })

  it('never shows a staff page to a customer', async () => {
    const r = router({ isSignedIn: true, isAdmin: false })
    await r.push('/staff/users')
    expect(r.currentRoute.value.name).toBe('forbidden')
  })

  it('lets staff in', async () => {
    const r = router({ isSignedIn: true, isAdmin: true })
    await r.push('/staff/audit')
    expect(r.currentRoute.value.name).toBe('staff-audit')
  })

  it.each(['/sign-in', '/register'])('sends a signed-in customer who opens %s to their accounts', async (path) => {
    const r = router({ isSignedIn: true, isAdmin: false })
    await r.push(path)
    expect(r.currentRoute.value.name).toBe('dashboard')
  })

  it('sends signed-in staff who open sign-in to their start page', async () => {
    const r = router({ isSignedIn: true, isAdmin: true })
    await r.push('/sign-in')
    expect(r.currentRoute.value.name).toBe('staff-users')
  })

  it('loads every page lazily', () => {
    for (const route of routes) expect(typeof route.component).toBe('function')
  })

  it('follows only same-app paths after sign-in', () => {
    expect(safeRedirect('/transfer')).toBe('/transfer')
    expect(safeRedirect('//evil.example')).toBeNull()
    expect(safeRedirect('https://evil.example')).toBeNull()
    expect(safeRedirect(['/a'])).toBeNull()
  })
})
