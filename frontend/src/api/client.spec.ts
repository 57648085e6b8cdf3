import { describe, expect, it, vi } from 'vitest'
import { fakeApi, json, problem } from '@/test/fakeApi'
import { createApiClient } from './client'
import { ApiError, describeProblem, isApiError, PROBLEM_SLUGS, slugFromType } from './problems'

function client() {
  const api = createApiClient()
  const onUnauthorized = vi.fn()
  const onActivity = vi.fn()
  const onPasswordChangeRequired = vi.fn()
  api.setAuth({ onActivity, onUnauthorized, onPasswordChangeRequired })
  return { api, onUnauthorized, onActivity, onPasswordChangeRequired }
}

describe('API client', () => {
  it('sends the CSRF header, never a token, with the JSON body and Idempotency-Key', async () => {
    const server = fakeApi({ 'POST /api/transfers': () => json({ id: 't1' }, 201) })
    const { api } = client()
    await expect(api.post('/transfers', { amount: '1.00' }, { idempotencyKey: 'key-1' })).resolves.toEqual({ id: 't1' })
    const [request] = server.requests
    // The session is the HttpOnly cookie the browser adds; this header is what a cross-site form cannot.
    expect(request!.headers.get('x-requested-with')).toBe('iebank')
    expect(request!.headers.has('authorization')).toBe(false)
    expect(server.fetchMock.mock.calls[0]![1]).toMatchObject({ credentials: 'same-origin' })
    expect(request!.headers.get('idempotency-key')).toBe('key-1')
    expect(request!.headers.get('content-type')).toBe('application/json')
    expect(request!.body).toEqual({ amount: '1.00' })
  })

  it('leaves out empty query parameters', async () => {
    const server = fakeApi({ 'GET /api/transactions': () => json({ items: [], next_cursor: null }) })
    await client().api.get('/transactions', { query: { account: null, limit: 20, cursor: '' } })
    expect(server.requests[0]!.query.toString()).toBe('limit=20')
  })

  it('turns problem+json into a typed ApiError with field errors', async () => {
    fakeApi({
      'POST /api/auth/register': () =>
        problem('validation-error', 422, 'The request is not valid.', [{ field: 'password', message: 'too short' }]),
    })
    const error = await client().api.post('/auth/register', {}).catch((e: unknown) => e)
    expect(isApiError(error)).toBe(true)
    const apiError = error as ApiError
    expect(apiError.slug).toBe('validation-error')
    expect(apiError.status).toBe(422)
    expect(apiError.fieldMessage('password')).toBe('too short')
    expect(apiError.correlationId).toBe('corr-1')
  })

  it('reads Retry-After on too many login attempts', async () => {
    fakeApi({
      'POST /api/auth/login': () =>
        new Response(JSON.stringify({ type: 'https://iebank.example/problems/too-many-login-attempts', title: 't', status: 429, detail: '' }), {
          status: 429,
          headers: { 'Content-Type': 'application/problem+json', 'Retry-After': '120' },
        }),
    })
    const error = (await client().api.post('/auth/login', {}).catch((e: unknown) => e)) as ApiError
    expect(error.retryAfterSeconds).toBe(120)
    expect(describeProblem(error)).toMatch(/2 minute/)
  })

  it('reports an ended session (401) so the app can send the person to sign in', async () => {
    fakeApi({ 'GET /api/accounts': () => problem('unauthorized', 401) })
    const { api, onUnauthorized, onActivity } = client()
    await expect(api.get('/accounts')).rejects.toBeInstanceOf(ApiError)
    expect(onUnauthorized).toHaveBeenCalledOnce()
    expect(onActivity).not.toHaveBeenCalled()
  })

  it('counts an answered request as activity, from when it left', async () => {
    fakeApi({ 'GET /api/accounts': () => json({ items: [] }), 'POST /api/transfers': () => problem('insufficient-funds', 422) })
    const { api, onActivity } = client()
    const before = Date.now()
    await api.get('/accounts')
    expect(onActivity).toHaveBeenCalledOnce()
    expect(onActivity.mock.calls[0]![0]).toBeGreaterThanOrEqual(before)
    // A refusal may come before the session was read: the deadline here must never outrun the server's.
    await api.post('/transfers', {}).catch(() => {})
    expect(onActivity).toHaveBeenCalledOnce()
  })

  it('sends a session on a temporary password to the password change', async () => {
    fakeApi({ 'GET /api/accounts': () => problem('password-change-required', 403) })
    const { api, onPasswordChangeRequired, onUnauthorized } = client()
    await expect(api.get('/accounts')).rejects.toMatchObject({ slug: 'password-change-required' })
    expect(onPasswordChangeRequired).toHaveBeenCalledOnce()
    expect(onUnauthorized).not.toHaveBeenCalled()
  })

  it('does not treat wrong details at sign-in as an ended session', async () => {
    fakeApi({ 'POST /api/auth/login': () => problem('invalid-credentials', 401) })
    const { api, onUnauthorized, onActivity } = client()
    await expect(api.post('/auth/login', {}, { anonymous: true })).rejects.toMatchObject({ slug: 'invalid-credentials' })
    expect(onUnauthorized).not.toHaveBeenCalled()
    expect(onActivity).not.toHaveBeenCalled()
  })

  it('maps a failed connection to a retryable network-error', async () => {
    vi.stubGlobal('fetch', vi.fn().mockRejectedValue(new TypeError('Failed to fetch')))
    const error = (await client().api.get('/accounts').catch((e: unknown) => e)) as ApiError
    expect(error.slug).toBe('network-error')
    expect(error.retryable).toBe(true)
  })

  it('copes with a non-JSON error page from a proxy', async () => {
    vi.stubGlobal('fetch', vi.fn().mockResolvedValue(new Response('<html>Bad gateway</html>', { status: 502 })))
    const error = (await client().api.get('/accounts').catch((e: unknown) => e)) as ApiError
    expect(error.slug).toBe('service-unavailable')
    expect(error.retryable).toBe(true)
  })
})

describe('problem types', () => {
  it('recognises every problem type the API documents (generated from its ProblemType enum)', () => {
    expect(PROBLEM_SLUGS).toContain('insufficient-funds')
    for (const slug of PROBLEM_SLUGS) expect(slugFromType(`https://iebank.example/problems/${slug}`)).toBe(slug)
    expect(slugFromType('https://iebank.example/problems/no-such-problem')).toBe('unknown')
  })
})
