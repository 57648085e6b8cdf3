import { ref, shallowRef, type Ref } from 'vue'

/** How a run ended for its caller: its value, or nothing to apply (it failed, or a newer run replaced it). */
export type Settled<T> = { ok: true; value: T } | { ok: false }

export interface AsyncTask<A extends unknown[], T> {
  /** True while the latest run is in flight. */
  loading: Readonly<Ref<boolean>>
  /** The latest run's failure, kept until the next run starts; never thrown to the caller. */
  error: Ref<unknown>
  /** The latest run's value once it succeeded; kept when a later run fails. */
  data: Ref<T | null>
  run: (...args: A) => Promise<Settled<T>>
}

export interface AsyncOptions {
  /**
   * `latest` (reads, the default): a new run replaces one in flight, whose answer is dropped, so a
   * slow old answer never overwrites a newer one. `exclusive` (submits): a run while one is in flight
   * is not started at all, so a double click sends one request.
   */
  mode?: 'latest' | 'exclusive'
}

/**
 * One async operation's loading flag, error and latest-request-wins guard, so pages and
 * composables do not each write out the same try/catch/finally.
 */
export function useAsync<A extends unknown[], T>(
  fn: (...args: A) => Promise<T>,
  options: AsyncOptions = {},
): AsyncTask<A, T> {
  const loading = ref(false)
  const error = shallowRef<unknown>(null)
  const data = shallowRef<T | null>(null) as Ref<T | null>
  let generation = 0

  async function run(...args: A): Promise<Settled<T>> {
    if (options.mode === 'exclusive' && loading.value) return { ok: false }
    const mine = ++generation
    loading.value = true
    error.value = null
    try {
      const value = await fn(...args)
      if (mine !== generation) return { ok: false }
      data.value = value
      return { ok: true, value }
    } catch (e) {
      if (mine === generation) error.value = e
      return { ok: false }
    } finally {
      if (mine === generation) loading.value = false
    }
  }

  return { loading, error, data, run }
}
