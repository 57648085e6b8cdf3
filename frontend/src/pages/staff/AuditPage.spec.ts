import { flushPromises } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ACCOUNT_A, customer, fakeApi, json, problem } from '@/test/fakeApi'
import { mountPage } from '@/test/mountPage'
import AuditPage from './AuditPage.vue'

const admin = { ...customer, id: '1', username: 'staff', role: 'admin' as const }
const record = (id: number, overrides: Record<string, unknown>) => ({
  id,
  actor_id: '1',
  actor_username: 'clerk',
  action: 'user.update',
  target_type: 'user',
  target_id: '5b0c6c43-2f1e-4d0f-9a57-0c1f3f3f2a10',
  target_label: 'aoife',
  changes: {},
  correlation_id: 'c',
  created_at: '2026-12-03T09:00:00Z',
  ...overrides,
})
const TRAIL = [
  record(3, {}),
  record(2, { action: 'account.update', target_type: 'account', target_id: ACCOUNT_A, target_label: ACCOUNT_A }),
  record(1, { actor_id: null, actor_username: 'anonymous', action: 'auth.login_failed', target_type: 'username', target_id: 'bob', target_label: 'bob' }),
]
const csv = () =>
  new Response('\ufeff"id"\r\n"3"\r\n', {
    headers: { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="iebank-audit-20261203-090000Z.csv"' },
  })

const button = (wrapper: Awaited<ReturnType<typeof mountPage>>['wrapper'], name: string) =>
  wrapper.findAll('button').find((b) => b.text() === name)!
const field = (wrapper: Awaited<ReturnType<typeof mountPage>>['wrapper'], label: string) => {
  const found = wrapper.findAll('label').find((l) => l.text().startsWith(label))!
  return wrapper.get(`#${found.attributes('for')}`)
}

describe('staff audit trail', () => {
  let saved: { blob: Blob; name: string }[]
  beforeEach(() => {
    saved = []
    let blob: Blob | null = null
    URL.createObjectURL = vi.fn((b: Blob) => ((blob = b), 'blob:audit'))
    URL.revokeObjectURL = vi.fn()
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      saved.push({ blob: blob!, name: this.download })
    })
  })
  afterEach(() => vi.restoreAllMocks())

  it('names each target by username or grouped account number, not by its id', async () => {
    fakeApi({ 'GET /api/manage/audit': () => json({ items: TRAIL, next_cursor: null }) })
    const { wrapper } = await mountPage(AuditPage, '/staff/audit', admin)
    const targets = wrapper.findAll('[data-testid="audit-target"]').map((cell) => cell.text().replace(/\s+/g, ' '))
    expect(targets).toEqual(['User aoife', 'Account IE16 IEBK 0000 0000 0000 01', 'Username bob'])
    expect(wrapper.text()).not.toContain('5b0c6c43')
    expect(wrapper.findAll('[data-testid="audit-actor"]').map((cell) => cell.text())).toEqual(['clerk', 'clerk', 'anonymous'])
  })

  it('filters the list and exports a CSV file with the very same filters', async () => {
    const server = fakeApi({
      'GET /api/manage/audit': () => json({ items: TRAIL.slice(0, 1), next_cursor: null }),
      'GET /api/manage/audit/export': csv,
    })
    const { wrapper } = await mountPage(AuditPage, '/staff/audit', admin)
    await field(wrapper, 'Who').setValue(' clerk ')
    await field(wrapper, 'Action').setValue('user.update')
    await field(wrapper, 'From').setValue('2026-12-01T08:30')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    const listed = server.sent('GET', '/api/manage/audit').at(-1)!.query
    expect(listed.get('actor')).toBe('clerk')
    expect(listed.get('action')).toBe('user.update')
    expect(listed.get('from')).toBe(new Date('2026-12-01T08:30').toISOString())
    expect(listed.has('to')).toBe(false)

    await button(wrapper, 'Export CSV').trigger('click')
    await flushPromises()
    const [exported] = server.sent('GET', '/api/manage/audit/export')
    const { limit, ...filters } = Object.fromEntries(listed)
    expect(limit).toBe('50')
    expect(Object.fromEntries(exported!.query)).toEqual(filters)
    expect(saved.map((file) => file.name)).toEqual(['iebank-audit-20261203-090000Z.csv'])
    expect(await saved[0]!.blob.text()).toContain('"id"')
    expect(wrapper.get('[role="status"]').text()).toBe('Downloaded iebank-audit-20261203-090000Z.csv.')
  })

  it('shows a refused export at the filter to change, and saves nothing', async () => {
    fakeApi({
      'GET /api/manage/audit': () => json({ items: TRAIL, next_cursor: null }),
      'GET /api/manage/audit/export': () =>
        problem('validation-error', 422, 'Too many events for one export.', [
          { field: 'from', message: 'more than 10,000 events match: export a shorter time range' },
        ]),
    })
    const { wrapper } = await mountPage(AuditPage, '/staff/audit', admin)
    await button(wrapper, 'Export CSV').trigger('click')
    await flushPromises()
    const from = field(wrapper, 'From')
    expect(from.attributes('aria-invalid')).toBe('true')
    expect(wrapper.text()).toContain('more than 10,000 events match')
    expect(document.activeElement?.textContent).toContain('more than 10,000 events match')
    expect(saved).toEqual([])
    expect(wrapper.findAll('[data-testid="audit-row"]')).toHaveLength(3)
  })
})
