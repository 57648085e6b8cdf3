import { vi } from 'vitest'

export interface RecordedRequest {
  method: string
  path: string
  query: URLSearchParams
  headers: Headers
  body: unknown
}

type Handler = (request: RecordedRequest) => Response | Promise<Response>

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } })
}

export function problem(slug: string, status: number, detail = '', errors?: { field: string; message: string }[]): Response {
  return new Response(
    JSON.stringify({ type: `https://iebank.example/problems/${slug}`, title: slug, status, detail, correlation_id: 'corr-1', errors }),
    { status, headers: { 'Content-Type': 'application/problem+json' } },
  )
}

/**
 * Replaces global fetch with a table of `'METHOD /api/path'` handlers and records every request,
 * so tests assert on what a person sees and on what was sent. Unknown routes answer 404.
 */
export function fakeApi(routes: Record<string, Handler>) {
  const requests: RecordedRequest[] = []
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), 'http://localhost')
    const method = (init.method ?? 'GET').toUpperCase()
    const request: RecordedRequest = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: new Headers(init.headers),
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    }
    requests.push(request)
    const handler = routes[`${method} ${url.pathname}`]
    return handler ? handler(request) : problem('not-found', 404)
  })
  vi.stubGlobal('fetch', fetchMock)
  return { requests, fetchMock, sent: (method: string, path: string) => requests.filter((r) => r.method === method && r.path === path) }
}

export const customer = {
  id: '7',
  username: 'aoife',
  full_name: 'Aoife Byrne',
  email: 'aoife@example.com',
  country: 'IE',
  role: 'user' as const,
  active: true,
  created_at: '2026-01-01T10:00:00Z',
}

// Valid check digits (ISO 7064 mod 97-10).
export const ACCOUNT_A = 'IE16IEBK00000000000001'
export const ACCOUNT_B = 'IE86IEBK00000000000002'
