import {
  createRouter,
  createWebHistory,
  type RouteLocationNormalized,
  type RouteLocationRaw,
  type RouteRecordRaw,
  type Router,
} from 'vue-router'

export type AppRouteName =
  | 'landing'
  | 'sign-in'
  | 'register'
  | 'dashboard'
  | 'account'
  | 'history'
  | 'transfer'
  | 'standing-orders'
  | 'staff-users'
  | 'staff-user-new'
  | 'staff-user'
  | 'staff-user-edit'
  | 'staff-account-edit'
  | 'staff-deposit'
  | 'staff-audit'
  | 'staff-approvals'
  | 'security'
  | 'forgot-password'
  | 'reset-password'
  | 'forbidden'
  | 'not-found'
  | 'payees'

declare module 'vue-router' {
  interface RouteMeta {
    title: string
    /** Only for signed-in people. */
    requiresAuth?: boolean
    /** Only for role `admin` (the API enforces this too). */
    staff?: boolean
    /** Sign-in and registration: a signed-in person is sent to their home page instead. */
    guestOnly?: boolean
    /** Open to a session signed in with a temporary password (every other page waits for the new one). */
    duringPasswordChange?: boolean
    /** Open to someone who must set up a second factor first (every other page waits for it). */
    duringFactorEnrolment?: boolean
  }
}

type AppRoute = RouteRecordRaw & { name: AppRouteName }

// Every page is its own lazily loaded chunk; scripts/check-budget.mjs verifies this after a build.
export const routes: AppRoute[] = [
  { path: '/', name: 'landing', component: () => import('@/pages/LandingPage.vue'), meta: { title: 'Welcome' } },
  { path: '/sign-in', name: 'sign-in', component: () => import('@/pages/SignInPage.vue'), meta: { title: 'Sign in', guestOnly: true } },
  { path: '/register', name: 'register', component: () => import('@/pages/RegisterPage.vue'), meta: { title: 'Open an account', guestOnly: true } },
  {
    path: '/dashboard',
    name: 'dashboard',
    component: () => import('@/pages/DashboardPage.vue'),
    meta: { title: 'Your accounts', requiresAuth: true },
  },
  {
    path: '/accounts/:number',
    name: 'account',
    component: () => import('@/pages/AccountPage.vue'),
    props: true,
    meta: { title: 'Account', requiresAuth: true },
  },
  {
    path: '/history',
    name: 'history',
    component: () => import('@/pages/HistoryPage.vue'),
    meta: { title: 'History', requiresAuth: true },
  },
  {
    path: '/transfer',
    name: 'transfer',
    component: () => import('@/pages/TransferPage.vue'),
    meta: { title: 'Send money', requiresAuth: true },
  },
  {
    path: '/standing-orders',
    name: 'standing-orders',
    component: () => import('@/pages/StandingOrdersPage.vue'),
    meta: { title: 'Standing orders', requiresAuth: true },
  },
  {
    path: '/staff/users',
    name: 'staff-users',
    component: () => import('@/pages/staff/UsersPage.vue'),
    meta: { title: 'Customers and staff', requiresAuth: true, staff: true },
  },
  {
    path: '/staff/users/new',
    name: 'staff-user-new',
    component: () => import('@/pages/staff/UserFormPage.vue'),
    meta: { title: 'New user', requiresAuth: true, staff: true },
  },
  {
    path: '/staff/users/:id',
    name: 'staff-user',
    component: () => import('@/pages/staff/UserDetailPage.vue'),
    props: true,
    meta: { title: 'User', requiresAuth: true, staff: true },
  },
  {
    path: '/staff/users/:id/edit',
    name: 'staff-user-edit',
    component: () => import('@/pages/staff/UserFormPage.vue'),
    props: true,
    meta: { title: 'Edit user', requiresAuth: true, staff: true },
  },
  {
    path: '/staff/users/:id/accounts/:number',
    name: 'staff-account-edit',
    component: () => import('@/pages/staff/AccountEditPage.vue'),
    props: true,
    meta: { title: 'Edit account', requiresAuth: true, staff: true },
  },
  {
    path: '/staff/deposit',
    name: 'staff-deposit',
    component: () => import('@/pages/staff/DepositPage.vue'),
    meta: { title: 'Cash deposit', requiresAuth: true, staff: true },
  },
  {
    path: '/staff/audit',
    name: 'staff-audit',
    component: () => import('@/pages/staff/AuditPage.vue'),
    meta: { title: 'Audit trail', requiresAuth: true, staff: true },
  },
  {
    path: '/staff/approvals',
    name: 'staff-approvals',
    component: () => import('@/pages/staff/ApprovalsPage.vue'),
    meta: { title: 'Deposit approvals', requiresAuth: true, staff: true },
  },
  {
    path: '/security',
    name: 'security',
    component: () => import('@/pages/SecurityPage.vue'),
    meta: { title: 'Security', requiresAuth: true, duringPasswordChange: true, duringFactorEnrolment: true },
  },
  {
    path: '/forgot-password',
    name: 'forgot-password',
    component: () => import('@/pages/ForgotPasswordPage.vue'),
    meta: { title: 'Forgotten password', guestOnly: true },
  },
  {
    path: '/reset-password',
    name: 'reset-password',
    component: () => import('@/pages/ResetPasswordPage.vue'),
    meta: { title: 'Choose a new password', guestOnly: true },
  },
  {
    path: '/payees',
    name: 'payees',
    component: () => import('@/pages/PayeesPage.vue'),
    meta: { title: 'Payees', requiresAuth: true },
  },
  { path: '/forbidden', name: 'forbidden', component: () => import('@/pages/ForbiddenPage.vue'), meta: { title: 'No access' } },
  { path: '/:path(.*)*', name: 'not-found', component: () => import('@/pages/NotFoundPage.vue'), meta: { title: 'Page not found' } },
]

/** A typed route location: a misspelt route name is a compile error. */
export function to(
  name: AppRouteName,
  params?: Record<string, string>,
  query?: Record<string, string>,
): RouteLocationRaw {
  return { name, params, query }
}

/** Where a signed-in person starts: staff at the user list, customers at their accounts. */
export function homeFor(isAdmin: boolean): RouteLocationRaw {
  return to(isAdmin ? 'staff-users' : 'dashboard')
}

export interface SessionView {
  isSignedIn: boolean
  isAdmin: boolean
  passwordChangeRequired: boolean
  /** Who was signed in when the session ended by itself (null when nobody, or after a sign-out). */
  endedFor: string | null
  /** Staff (or, when the bank requires it, a customer) without a second factor yet. */
  factorEnrolmentRequired?: boolean
}

/** Sign-in after a session ended: it says so, keeps the username and returns to `path`. */
export function sessionEndedLocation(path: string, username: string | null): RouteLocationRaw {
  return to('sign-in', {}, { redirect: path, expired: '1', ...(username ? { username } : {}) })
}

/**
 * The session ended by itself (idle, revoked, refused by the API): sign out here and on the
 * server, then, from a signed-in page, go to sign-in, which comes back to it.
 */
export function leaveEndedSession(router: Router, session: { signOut: (reason: 'ended') => void; endedFor: string | null }) {
  // Found ended while the person is on their way to another page (a read of the page being left
  // came back 401): sign-in returns them to where they were going, not to the page they left.
  const current = destinations.get(router) ?? router.currentRoute.value
  session.signOut('ended')
  if (current.meta.requiresAuth) void router.push(sessionEndedLocation(current.fullPath, session.endedFor))
}

// The page each router is navigating to, from its guards' yes until that navigation ends.
const destinations = new WeakMap<Router, RouteLocationNormalized>()

export function installGuards(router: Router, session: () => SessionView) {
  router.beforeEach((target) => {
    const verdict = guard(target)
    if (verdict === true) destinations.set(router, target)
    return verdict
  })
  router.afterEach((target) => {
    if (destinations.get(router)?.fullPath === target.fullPath) destinations.delete(router)
  })

  function guard(target: RouteLocationNormalized): true | RouteLocationRaw {
    const { isSignedIn, isAdmin, passwordChangeRequired, endedFor } = session()
    if (target.meta.requiresAuth && !isSignedIn) {
      return endedFor ? sessionEndedLocation(target.fullPath, endedFor) : { name: 'sign-in', query: { redirect: target.fullPath } }
    }
    if (isSignedIn && passwordChangeRequired && !target.meta.duringPasswordChange) return to('security')
    if (isSignedIn && session().factorEnrolmentRequired && !target.meta.duringFactorEnrolment) return to('security')
    if (target.meta.staff && !isAdmin) return { name: 'forbidden' }
    if (target.meta.guestOnly && isSignedIn) return homeFor(isAdmin)
    return true
  }
  router.afterEach((target) => {
    document.title = `${target.meta.title} · IE Bank`
  })
}

export function createAppRouter(): Router {
  return createRouter({
    history: createWebHistory(),
    routes,
    scrollBehavior: () => ({ top: 0 }),
  })
}

/** Only same-app paths are followed after sign-in, never an absolute URL from the query string. */
export function safeRedirect(value: unknown): string | null {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') ? value : null
}
