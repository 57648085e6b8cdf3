import { ApiError, slugFromType, type FieldError } from './problems'

type Query = Record<string, string | number | boolean | null | undefined>

export interface RequestOptions {
  query?: Query
  body?: unknown
  /** Sent as the `Idempotency-Key` header; the caller keeps it to retry the same request. */
  idempotencyKey?: string
  signal?: AbortSignal
  /** Sign-in, registration, password reset: a 401 is an answer, not an ended session. */
  anonymous?: boolean
}

// The session is the HttpOnly cookie the browser sends by itself: no script here ever sees a
// token. The header is what a cross-site form cannot send, so the API refuses a cookie without it.
export const CSRF_HEADER = { 'X-Requested-With': 'iebank' } as const

export interface AuthHooks {
  /** An authenticated request the API answered (it moved the session's idle deadline); `startedAt` is when it left. */
  onActivity: (startedAt: number) => void
  /** Called when an authenticated request comes back 401 (the session ended, idle or revoked). */
  onUnauthorized: () => void
  /** Called on 403 password-change-required: signed in with a temporary password. */
  onPasswordChangeRequired: () => void
  /** Called on 403 factor-enrolment-required: a second factor must be set up first (issue 17). */
  onFactorEnrolmentRequired?: () => void
}

export interface ApiClientOptions {
  baseUrl?: string
  fetch?: typeof fetch
}

export type ApiClient = ReturnType<typeof createApiClient>

export function createApiClient(options: ApiClientOptions = {}) {
  const baseUrl = options.baseUrl ?? '/api'
  let hooks: AuthHooks = { onActivity: () => {}, onUnauthorized: () => {}, onPasswordChangeRequired: () => {} }

  function buildUrl(path: string, query?: Query): string {
    const params = new URLSearchParams()
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null && value !== '') params.set(key, String(value))
    }
    const search = params.toString()
    return `${baseUrl}${path}${search ? `?${search}` : ''}`
  }

  async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const response = await send(method, path, opts, 'application/json, application/problem+json')
    if (response.status === 204) return undefined as T
    const text = await response.text()
    return (text ? JSON.parse(text) : undefined) as T
  }

  /** A file the API answers as an attachment (a statement): its bytes and the name it gave. */
  async function download(path: string, opts: RequestOptions = {}): Promise<DownloadedFile> {
    const response = await send('GET', path, opts, '*/*')
    return { blob: await response.blob(), filename: attachmentName(response.headers.get('content-disposition')) }
  }

  async function send(method: string, path: string, opts: RequestOptions, accept: string): Promise<Response> {
    const headers: Record<string, string> = { Accept: accept, ...CSRF_HEADER }
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json'
    if (opts.idempotencyKey) headers['Idempotency-Key'] = opts.idempotencyKey

    // Resolved at call time so tests can stub the global fetch.
    const doFetch = options.fetch ?? globalThis.fetch
    let response: Response
    const startedAt = Date.now()
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

    if (!opts.anonymous) {
      if (response.status === 401) hooks.onUnauthorized()
      // Only a success surely reached the session (a refusal may come before it is read): the
      // deadline kept here is never later than the server's.
      else if (response.ok) hooks.onActivity(startedAt)
    }
    if (!response.ok) {
      const error = await toApiError(response)
      if (error.slug === 'password-change-required') hooks.onPasswordChangeRequired()
      if (error.slug === 'factor-enrolment-required') hooks.onFactorEnrolmentRequired?.()
      throw error
    }
    return response
  }

  return {
    setAuth(next: AuthHooks) {
      hooks = next
    },
    get: <T>(path: string, opts?: RequestOptions) => request<T>('GET', path, opts),
    post: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('POST', path, { ...opts, body }),
    patch: <T>(path: string, body: unknown, opts?: RequestOptions) => request<T>('PATCH', path, { ...opts, body }),
    delete: <T = void>(path: string, opts?: RequestOptions) => request<T>('DELETE', path, opts),
    download,
  }
}

/** A file the API sent as an attachment, with the name its Content-Disposition gives. */
export interface DownloadedFile {
  blob: Blob
  filename: string
}

/** The file name of `Content-Disposition: attachment; filename="..."` (the API sends only safe characters). */
export function attachmentName(header: string | null): string {
  const match = /filename="([^"]+)"/.exec(header ?? '')
  return match?.[1] ?? 'download'
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
