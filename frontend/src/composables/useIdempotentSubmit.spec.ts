import { describe, expect, it, vi } from 'vitest'
import { ApiError } from '@/api/problems'
import { useIdempotentSubmit } from './useIdempotentSubmit'

const networkError = () => new ApiError('network-error', 0, 'Network error', '')
const refused = () => new ApiError('insufficient-funds', 409, 'Insufficient funds', '')

describe('once-only money movement', () => {
  it('a double click while sending makes one request', async () => {
    let release!: (value: string) => void
    const send = vi.fn(() => new Promise<string>((resolve) => (release = resolve)))
    const submit = useIdempotentSubmit(send)
    submit.review({ amount: '5.00' })
    const first = submit.confirm()
    const second = submit.confirm()
    release('ok')
    expect(await first).toBe('ok')
    expect(await second).toBe('ok')
    expect(send).toHaveBeenCalledOnce()
    expect(submit.step.value).toBe('done')
  })

  it('a retry after a network failure reuses the same Idempotency-Key', async () => {
    const send = vi.fn<(req: unknown, key: string) => Promise<string>>().mockRejectedValueOnce(networkError()).mockResolvedValueOnce('ok')
    const submit = useIdempotentSubmit(send)
    submit.review({ amount: '5.00' })
    await submit.confirm()
    expect(submit.step.value).toBe('confirming')
    expect(submit.canRetry.value).toBe(true)
    await submit.confirm()
    expect(send).toHaveBeenCalledTimes(2)
    expect(send.mock.calls[0]![1]).toBe(send.mock.calls[1]![1])
    expect(submit.step.value).toBe('done')
  })

  it('every new submission gets a fresh key', async () => {
    const send = vi.fn<(req: unknown, key: string) => Promise<string>>().mockResolvedValue('ok')
    const submit = useIdempotentSubmit(send)
    submit.review({ amount: '5.00' })
    await submit.confirm()
    submit.reset()
    submit.review({ amount: '5.00' })
    await submit.confirm()
    expect(send.mock.calls[0]![1]).not.toBe(send.mock.calls[1]![1])
  })

  it('changing the details after reviewing drops the key', () => {
    const submit = useIdempotentSubmit(vi.fn())
    submit.review({ amount: '5.00' })
    const key = submit.currentKey()
    submit.edit()
    submit.review({ amount: '6.00' })
    expect(submit.currentKey()).not.toBe(key)
  })

  it('a refusal sends the person back to the form with the reason', async () => {
    const submit = useIdempotentSubmit(vi.fn().mockRejectedValue(refused()))
    submit.review({ amount: '5.00' })
    await submit.confirm()
    expect(submit.step.value).toBe('editing')
    expect(submit.error.value).toMatchObject({ slug: 'insufficient-funds' })
    expect(submit.currentKey()).toBeNull()
  })

  it('waits and retries with the same key while the server is still processing it', async () => {
    const inProgress = new ApiError('idempotency-key-in-progress', 409, 'In progress', '', [], null, 1)
    const send = vi.fn<(req: unknown, key: string) => Promise<string>>().mockRejectedValueOnce(inProgress).mockResolvedValueOnce('ok')
    const wait = vi.fn(() => Promise.resolve())
    const submit = useIdempotentSubmit(send, wait)
    submit.review({ amount: '5.00' })
    expect(await submit.confirm()).toBe('ok')
    expect(wait).toHaveBeenCalledWith(1000)
    expect(send.mock.calls[0]![1]).toBe(send.mock.calls[1]![1])
  })
})
