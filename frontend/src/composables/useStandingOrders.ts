import { shallowRef } from 'vue'
import { standingOrdersApi } from '@/api/endpoints'
import type { Execution, StandingOrder, StandingOrderRequest } from '@/api/types'
import { newIdempotencyKey } from '@/lib/idempotency'
import { useAsync } from './useAsync'
import { withStepUp } from './useStepUp'

export type OrderAction = 'paused' | 'active' | 'cancelled'

const SETTING_UP = 'Setting up a standing order to this payee needs your authenticator app, a recovery code or a passkey. Its payments then go without asking.'

/** The customer's standing orders: the list, setting one up, pausing, resuming, cancelling, and each one's payments. */
export function useStandingOrders() {
  const orders = shallowRef<StandingOrder[]>([])
  const executions = shallowRef<Record<string, Execution[]>>({})
  const listing = useAsync(() => standingOrdersApi.list())
  // An order to someone else's account that is not a trusted payee is confirmed with the second
  // factor when it is set up (its payments then go without one): the bank asks for a fresh one.
  const creating = useAsync(
    (body: StandingOrderRequest, key: string) => withStepUp(() => standingOrdersApi.create(body, key), SETTING_UP),
    { mode: 'exclusive' },
  )
  // One key per order the person sets up: sending the same form again after a failure (the answer
  // may have been lost) reuses it, so the bank sets up one order; any change, or a success, starts anew.
  let draft: { body: string; key: string } | null = null
  const changing = useAsync((id: string, status: OrderAction) => standingOrdersApi.setStatus(id, status), { mode: 'exclusive' })
  const loadingExecutions = useAsync((id: string) => standingOrdersApi.executions(id))

  async function refresh() {
    const page = await listing.run()
    if (page.ok) orders.value = page.value.items
  }

  function replace(order: StandingOrder) {
    orders.value = orders.value.map((o) => (o.id === order.id ? order : o))
  }

  async function create(body: StandingOrderRequest): Promise<StandingOrder | null> {
    const sent = JSON.stringify(body)
    if (draft?.body !== sent) draft = { body: sent, key: newIdempotencyKey() }
    const created = await creating.run(body, draft.key)
    if (!created.ok) return null
    draft = null
    orders.value = [...orders.value, created.value]
    return created.value
  }

  async function setStatus(id: string, status: OrderAction): Promise<StandingOrder | null> {
    const changed = await changing.run(id, status)
    if (!changed.ok) return null
    replace(changed.value)
    return changed.value
  }

  async function loadExecutions(id: string) {
    const found = await loadingExecutions.run(id)
    if (found.ok) executions.value = { ...executions.value, [id]: found.value.items }
  }

  return {
    orders,
    executions,
    refresh,
    loading: listing.loading,
    error: listing.error,
    create,
    creating: creating.loading,
    createError: creating.error,
    setStatus,
    changing: changing.loading,
    changeError: changing.error,
    loadExecutions,
    executionsError: loadingExecutions.error,
  }
}
