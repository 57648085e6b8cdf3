import { flushPromises, mount } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { ApiError, describeProblem } from '@/api/problems'
import { useAsync, type AsyncOptions } from './useAsync'

/** A person's-eye view of one task: what the page would show for its loading flag, error and data. */
function mountTask<A extends unknown[], T>(fn: (...args: A) => Promise<T>, options?: AsyncOptions) {
  const task = useAsync(fn, options)
  const wrapper = mount(
    defineComponent({
      setup: () => () =>
        h('div', [
          task.loading.value ? h('p', { 'data-testid': 'loading' }, 'Loading…') : null,
          task.error.value ? h('p', { role: 'alert' }, describeProblem(task.error.value)) : null,
          h('p', { 'data-testid': 'data' }, String(task.data.value ?? '')),
        ]),
    }),
  )
  return { task, wrapper }
}

function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (reason: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

const refused = () => new ApiError('service-unavailable', 503, 'Unavailable', '')

describe('useAsync: one loading flag, error and latest-wins guard', () => {
  it('shows loading while a run is in flight and clears it when it settles', async () => {
    const answer = deferred<string>()
    const { task, wrapper } = mountTask(() => answer.promise)
    const running = task.run()
    await flushPromises()
    expect(wrapper.find('[data-testid="loading"]').exists()).toBe(true)
    answer.resolve('Aoife')
    expect(await running).toEqual({ ok: true, value: 'Aoife' })
    await flushPromises()
    expect(wrapper.find('[data-testid="loading"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="data"]').text()).toBe('Aoife')
  })

  it('the latest run wins: an older answer arriving later is dropped', async () => {
    const slow = deferred<string>()
    const fast = deferred<string>()
    const fn = vi.fn<(which: string) => Promise<string>>((which) => (which === 'old' ? slow.promise : fast.promise))
    const { task, wrapper } = mountTask(fn)
    const older = task.run('old')
    const newer = task.run('new')
    fast.resolve('new answer')
    expect(await newer).toEqual({ ok: true, value: 'new answer' })
    slow.resolve('old answer')
    expect(await older).toEqual({ ok: false })
    await flushPromises()
    expect(wrapper.get('[data-testid="data"]').text()).toBe('new answer')
    expect(wrapper.find('[data-testid="loading"]').exists()).toBe(false)
  })

  it('an older run still in flight does not end the newer run’s loading flag, nor set its error', async () => {
    const slow = deferred<string>()
    const fast = deferred<string>()
    const { task, wrapper } = mountTask((which: string) => (which === 'old' ? slow.promise : fast.promise))
    void task.run('old')
    const newer = task.run('new')
    slow.reject(refused())
    await flushPromises()
    expect(wrapper.find('[data-testid="loading"]').exists()).toBe(true)
    expect(wrapper.find('[role="alert"]').exists()).toBe(false)
    fast.resolve('fine')
    await newer
  })

  it('keeps the error (and the last good data) after a failed run, until the next run starts', async () => {
    const fn = vi.fn<() => Promise<string>>().mockResolvedValueOnce('first').mockRejectedValueOnce(refused()).mockResolvedValueOnce('third')
    const { task, wrapper } = mountTask(fn)
    await task.run()
    expect(await task.run()).toEqual({ ok: false })
    await flushPromises()
    expect(wrapper.get('[role="alert"]').text()).toContain('briefly unavailable')
    expect(wrapper.get('[data-testid="data"]').text()).toBe('first')
    const third = task.run()
    await flushPromises()
    expect(wrapper.find('[role="alert"]').exists()).toBe(false)
    await third
    expect(task.data.value).toBe('third')
  })

  it('never throws to the caller', async () => {
    const { task } = mountTask(() => Promise.reject(new Error('boom')))
    await expect(task.run()).resolves.toEqual({ ok: false })
    expect(task.error.value).toBeInstanceOf(Error)
  })

  it('exclusive mode: a second run while one is in flight is not started', async () => {
    const answer = deferred<string>()
    const fn = vi.fn(() => answer.promise)
    const { task } = mountTask(fn, { mode: 'exclusive' })
    const first = task.run()
    const second = task.run()
    answer.resolve('sent')
    expect(await first).toEqual({ ok: true, value: 'sent' })
    expect(await second).toEqual({ ok: false })
    expect(fn).toHaveBeenCalledOnce()
    expect(task.loading.value).toBe(false)
  })
})
