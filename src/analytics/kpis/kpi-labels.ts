/** The KPIs' English names, zh-CN labels and formulas, in the words of spec section 3: one dictionary. */

export const KPI_RATES = [
  'activation_rate',
  'churn_rate',
  'member_gmv_share',
  'member_net_gmv_share',
  'member_repurchase_rate',
] as const;
export type KpiRateName = (typeof KPI_RATES)[number];

export const KPI_RATE_LABELS: Record<
  KpiRateName,
  { readonly name: string; readonly zh: string; readonly formula: string }
> = {
  activation_rate: { name: 'activation', zh: '激活会员率', formula: 'new members / members' },
  churn_rate: { name: 'churn', zh: '流失会员率', formula: 'churned members at the end / members' },
  member_gmv_share: { name: 'member GMV', zh: '会员交易额占有率', formula: 'member GMV / GMV' },
  member_net_gmv_share: {
    name: 'member net GMV',
    zh: '会员交易额占有率（净）',
    formula: 'member net GMV / net GMV',
  },
  member_repurchase_rate: {
    name: 'repurchase',
    zh: '会员回头购买率',
    formula: 'members who are returning customers / members',
  },
};

/** The other figures' zh-CN labels. */
export const KPI_FIGURE_LABELS = {
  members: '会员数',
  new_members: '新入会',
  churned: '流失会员',
  newly_churned: '本期新流失',
  gmv: '交易额',
  net_gmv: '净交易额',
  orders: '订单数',
  buyers: '买家数',
  aov: '客单价',
  items_per_order: '客单量',
  guest_gmv: '游客交易额',
  cohort: '首购月',
  retention: '留存',
} as const;
