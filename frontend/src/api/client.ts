import { ApiError, slugFromType, type FieldError } from './problems'

type Query = Record<string, string | number | boolean | null | undefined>

export interface RequestOptions {
  query?: Query
  body?: unknown
  /** Sent as the `Idempotency-Key` header; the caller keeps it to retry the same request. */
  idempotencyKey?: string
  signal?: AbortSignal
  /** Sign-in and registration: sent without a token, and a 401 is an answer, not an expired session. */
  anonymous?: boolean
}

export interface AuthHooks {
  getToken: () => string | null
  /** Called when an authenticated request comes back 401 (the session expired or was revoked). */
  onUnauthorized: () => void
}

export interface ApiClientOptions {
  baseUrl?: string
  fetch?: typeof fetch
}

export type ApiClient = ReturnType<typeof createApiClient>

export function createApiClient(options: ApiClientOptions = {}) {
  const baseUrl = options.baseUrl ?? '/api'
  let hooks: AuthHooks = { getToken: () => null, onUnauthorized: () => {} }

  function buildUrl(path: string, query?: Query): string {
    const params = new URLSearchParams()
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null && value !== '') params.set(key, String(value))
    }
    const search = params.toString()
    return `${baseUrl}${path}${search ? `?${search}` : ''}`
  }

  async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json, application/problem+json' }
    const token = opts.anonymous ? null : hooks.getToken()
    if (token) headers.Authorization = `Bearer ${token}`
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json'
    if (opts.idempotencyKey) headers['Idempotency-Key'] = opts.idempotencyKey

    // Resolved at call time so tests can stub the global fetch.
    const doFetch = options.fetch ?? globalThis.fetch
    let response: Response
    try {
      response = await doFetch(buildUrl(path, opts.query), {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: opts.signal,
        credentials: 'same-origin',
      })
    } catch (cause) {
      if (cause instanceof DOMException && cause.name === 'AbortError') throw cause
      throw new ApiError('network-error', 0, 'Network error', 'The request did not reach the server.')
    }

    if (response.status === 401 && !opts.anonymous) hooks.onUnauthorized()
    if (!response.ok) throw await toApiError(response)
    if (response.status === 204) return undefined as T
    const text = await response.text()
    return (text ? JSON.parse(text) : undefined) as T
  }

  return {
    setAuth(next: AuthHooks) {
      hooks = next
    },
    get: <T>(path: string, opts?: RequestOptions) => request<T>('GET', path, opts),
    post: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('POST', path, { ...opts, body }),
    patch: <T>(path: string, body: unknown, opts?: RequestOptions) => request<T>('PATCH', path, { ...opts, body }),
    delete: <T = void>(path: string, opts?: RequestOptions) => request<T>('DELETE', path, opts),
  }
}

async function toApiError(response: Response): Promise<ApiError> {
  const correlationId = response.headers.get('x-correlation-id')
  const retryAfterHeader = response.headers.get('retry-after')
  const retryAfter = retryAfterHeader && /^\d+$/.test(retryAfterHeader) ? Number(retryAfterHeader) : null
  let problem: Record<string, unknown> = {}
  try {
    const parsed: unknown = await response.json()
    if (parsed && typeof parsed === 'object') problem = parsed as Record<string, unknown>
  } catch {
    // A proxy error page or an empty body: fall back to the status.
  }
  let slug = slugFromType(problem.type)
  if (slug === 'unknown') slug = fallbackSlug(response.status)
  const errors = Array.isArray(problem.errors) ? problem.errors.filter(isFieldError) : []
  return new ApiError(
    slug,
    response.status,
    typeof problem.title === 'string' ? problem.title : response.statusText || 'Error',
    typeof problem.detail === 'string' ? problem.detail : '',
    errors,
    typeof problem.correlation_id === 'string' ? problem.correlation_id : correlationId,
    retryAfter,
  )
}

function fallbackSlug(status: number) {
  if (status === 401) return 'unauthorized' as const
  if (status === 403) return 'forbidden' as const
  if (status === 404) return 'not-found' as const
  if (status === 503 || status === 502 || status === 504) return 'service-unavailable' as const
  if (status >= 500) return 'internal-error' as const
  return 'unknown' as const
}

function isFieldError(value: unknown): value is FieldError {
  return (
    !!value &&
    typeof value === 'object' &&
    typeof (value as FieldError).field === 'string' &&
    typeof (value as FieldError).message === 'string'
  )
}

/** The one configured client the app uses; `main.ts` wires its auth hooks to the session store. */
export const api = createApiClient()
