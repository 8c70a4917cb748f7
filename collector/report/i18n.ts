/**
 * Every user-visible string of the daily report, in English and Simplified
 * Chinese, and the formatting of numbers, quantities, durations and times.
 *
 * Templates take `{name}` placeholders, optionally with a format:
 *   {v:q}      a quantity in the message's `unit` param (pct, rh, c, ps, h, min, s, count)
 *   {agg:agg}  an aggregation label (peak, avg, …)
 *   {what:metric} a metric's short name (swap, supply air, …)
 *   {min:dur}  minutes as a duration; {s:bat} / {s:ha} UPS battery and firewall HA states
 *   {p:pct}    a percentage; {x} a number formatted for the language or a string as is
 * Chinese follows the wording of Chinese NOC inspection reports (巡检报告).
 */
import type { CheckRow, Lang, Message, Priority, Report, Risk, Status } from './types.js';
import { formatLocal } from '../../lib/tz.js';

type Entry = { en: string; zh: string };
const e = (en: string, zh: string): Entry => ({ en, zh });

const MESSAGES: Record<string, Entry> = {
  // facts and conditions
  fact: e('{agg:agg} {v:q}', '{agg:agg} {v:q}'),
  factOf: e('{what:metric} {agg:agg} {v:q}', '{what:metric}{agg:agg} {v:q}'),
  cond: e('{agg:agg} {v:q} {op} {t:q}', '{agg:agg} {v:q} {op} {t:q}'),
  condOf: e('{what:metric} {agg:agg} {v:q} {op} {t:q}', '{what:metric}{agg:agg} {v:q} {op} {t:q}'),
  fullIn: e('full in {d} days at the current rate', '按当前增速约 {d} 天后写满'),
  ruleLevel: e('(threshold of rule {rule}, {p})', '（阈值取自规则 {rule}，{p}）'),
  where: e('on {name} (worst of {n})', '位于 {name}（{n} 个中最差）'),
  range: e('range {lo:q}–{hi:q}', '范围 {lo:q}–{hi:q}'),
  setpoint: e('set point {v:q}', '设定值 {v:q}'),
  offSetpoint: e('outside set point ± {d:q}', '超出设定值 ± {d:q}'),
  // reachability
  reachUp: e('up all day', '全天在线'),
  reachDown: e('down {min:dur}', '中断 {min:dur}'),
  reachDownAtEnd: e('still down at the end of the day', '截至报告结束时仍不可达'),
  reachLongOutage: e('down {min:dur} (≥ {t} min)', '中断 {min:dur}（≥ {t} 分钟）'),
  reachOutage: e('outage during the day, recovered', '当日曾中断，已恢复'),
  reachNoData: e('no data received', '未收到任何数据'),
  reachNoDataDetail: e('not known down, but silent: the checks could not run', '设备未知宕机但无数据，无法完成巡检'),
  // host
  memThrashing: e('memory > 95 % with swap > 50 % for an hour (thrashing)', '内存 > 95% 且交换分区 > 50% 持续一小时（内存耗尽）'),
  // interfaces
  ifCount: e('ports: {n}', '{n} 个端口'),
  ifUtil: e('peak util {v:q} ({name})', '利用率峰值 {v:q}（{name}）'),
  ifErrors: e('errors peak {v:q} ({name})', '错包峰值 {v:q}（{name}）'),
  ifNoErrors: e('no errors', '无错包'),
  ifCond: e('{name}: {agg:agg} {v:q} > {t:q}', '{name}：{agg:agg} {v:q} > {t:q}'),
  ifDown: e('{n} down', '{n} 个中断'),
  ifDownDetail: e('enabled but down: {list}', '已启用但中断：{list}'),
  ifAllUp: e('all up', '全部正常'),
  // firewall
  fwSessions: e('peak {n} sessions ({p:pct} of {limit})', '会话数峰值 {n}（占容量 {limit} 的 {p:pct}）'),
  fwSessionsNoLimit: e('peak {n} sessions (capacity not configured)', '会话数峰值 {n}（未配置额定容量）'),
  fwSessionsNear: e('session table at {p:pct} (≥ {t:pct})', '会话表使用 {p:pct}（≥ {t:pct}）'),
  fwHaStable: e('stable ({s:ha})', '稳定（{s:ha}）'),
  fwHaChanged: e('changed during the day, now {s:ha}', '当日发生切换，当前 {s:ha}'),
  // Oracle
  oraErrorsNone: e('no new ORA- errors', '无新增 ORA- 错误'),
  oraErrors: e('{n} new: {list}', '新增 {n} 条：{list}'),
  oraInternal: e('internal errors {list}: open a vendor case', '内部错误 {list}：需向厂商开服务请求'),
  oraBurst: e('{code}: {v} in one read (> 10)', '{code}：单次读取 {v} 条（> 10）'),
  oraRead: e('read the alert log around the errors', '请查看告警日志中相关错误'),
  'ora.up.ok': e('{n} of {n} open', '{n} 个实例全部正常'),
  'ora.up.bad': e('{bad} of {n} instances down: {list}', '{n} 个实例中 {bad} 个宕机：{list}'),
  'ora.up.recovered': e('{bad} of {n} instances were down, now open: {list}', '{n} 个实例中 {bad} 个曾宕机，已恢复：{list}'),
  // storage, SAN, tape
  'storage.disks.ok': e('none of {n} disks failed', '{n} 块磁盘，无故障'),
  'storage.disks.bad': e('{bad} of {n} disks failed: slot {list}', '{n} 块磁盘中 {bad} 块故障：槽位 {list}'),
  'storage.disks.recovered': e('{bad} of {n} disks reported failed today, now OK: slot {list}', '{n} 块磁盘中 {bad} 块当日曾报故障，现已正常：槽位 {list}'),
  'storage.ctrl.ok': e('{n} of {n} OK', '{n} 个控制器全部正常'),
  'storage.ctrl.bad': e('{bad} of {n} controllers faulty: {list}', '{n} 个控制器中 {bad} 个故障：{list}'),
  'storage.ctrl.recovered': e('{bad} of {n} controllers faulted today, now OK: {list}', '{n} 个控制器中 {bad} 个当日曾故障，现已正常：{list}'),
  'tape.drives.ok': e('{n} of {n} OK', '{n} 台驱动器全部正常'),
  'tape.drives.bad': e('{bad} of {n} drives not OK: drive {list}', '{n} 台驱动器中 {bad} 台异常：驱动器 {list}'),
  'tape.drives.recovered': e('{bad} of {n} drives faulted today, now OK: drive {list}', '{n} 台驱动器中 {bad} 台当日曾异常，现已正常：驱动器 {list}'),
  // UPS
  upsBatteryStatus: e('status {s:bat}', '状态 {s:bat}'),
  upsBatteryBad: e('battery low or depleted (RFC 1628 status ≥ 3)', '电池电量低或耗尽（RFC 1628 状态 ≥ 3）'),
  upsBatteryWasLow: e('battery was low during the day', '当日曾出现电池电量低'),
  'ups.selftest.ok': e('passed', '通过'),
  'ups.selftest.bad': e('failed', '未通过'),
  'ups.selftest.recovered': e('failed today, passed since', '当日曾未通过，之后已通过'),
  upsOnBatteryNone: e('no on-battery event', '无电池供电事件'),
  'ups.source.3': e('inverter (normal)', '逆变器供电（正常）'),
  'ups.source.4': e('ON BYPASS: the load is not protected', '旁路供电：负载无保护'),
  'ups.source.5': e('ON BATTERY', '电池供电'),
  'ups.source.2': e('NO OUTPUT', '无输出'),
  'ups.source.other': e('source code {s} (RFC 1628)', '供电方式代码 {s}（RFC 1628）'),
  'ups.source.earlier': e('was on bypass or battery during the day, normal now', '当日曾旁路或电池供电，现已恢复正常'),
  'ups.alarms.none': e('no alarms', '无告警'),
  'ups.alarms.now': e('{n} active alarms', '{n} 条活动告警'),
  'ups.alarms.earlier': e('alarms during the day (up to {n}), none now', '当日曾有告警（最多 {n} 条），当前无'),
  upsOnBattery: e('on battery about {min:dur}', '电池供电约 {min:dur}'),
  upsOnBatteryDetail: e('mains power was lost for about {min:dur}', '市电中断约 {min:dur}，由电池供电'),
  // precision AC and environment
  acRunning: e('running', '运行中'),
  acStopped: e('not running', '停机'),
  acAlarmsNone: e('no alarms', '无告警'),
  acAlarmsNow: e('{n} active alarms {list}', '{n} 条活动告警 {list}'),
  acAlarmsEarlier: e('alarms during the day (up to {n}), none now', '当日曾有告警（最多 {n} 条），当前无'),
  envNoLeak: e('no water', '无漏水'),
  envLeak: e('WATER DETECTED', '检测到漏水'),
  envNoSmoke: e('no smoke', '无烟雾'),
  envSmoke: e('SMOKE DETECTED', '检测到烟雾'),
  envDoorClosed: e('door closed', '门已关闭'),
  envDoorOpen: e('door open {min:dur}', '门开启 {min:dur}'),
};

const AGG: Record<string, Entry> = {
  last: e('now', '当前'),
  max: e('peak', '峰值'),
  min: e('min', '最低'),
  avg: e('avg', '平均'),
  hourMax: e('highest hourly avg', '小时均值最高'),
  hourMin: e('lowest hourly avg', '小时均值最低'),
};

const METRIC: Record<string, Entry> = {
  'swap.used_pct': e('swap', '交换分区'),
  'disk.inodes_used_pct': e('inodes', 'inode'),
  'ac.supply_temp_c': e('supply air', '送风'),
  'fw.session_rate_ps': e('new sessions', '新建会话'),
};

const BATTERY: Record<number, Entry> = { 1: e('unknown', '未知'), 2: e('normal', '正常'), 3: e('low', '电量低'), 4: e('depleted', '耗尽') };
const HA: Record<number, Entry> = { 0: e('standalone', '单机'), 1: e('active', '主用'), 2: e('standby', '备用'), 3: e('degraded', '异常') };

const UNIT: Record<string, Entry> = {
  pct: e('{n} %', '{n}%'),
  rh: e('{n} %RH', '{n}%RH'),
  c: e('{n} °C', '{n} °C'),
  ps: e('{n}/s', '{n} 次/秒'),
  h: e('{n} h', '{n} 小时'),
  min: e('{n} min', '{n} 分钟'),
  count: e('{n}', '{n}'),
};

/** Labels of the report's structure. */
const UI: Record<string, Entry> = {
  title: e('Daily health-check report', '日常巡检报告'),
  period: e('Period', '巡检时段'),
  generated: e('Generated', '生成时间'),
  timeZone: e('Time zone', '时区'),
  site: e('Site', '站点'),
  summary: e('Summary', '总览'),
  checklist: e('Checklist', '巡检清单'),
  risks: e('Top risks', '主要风险'),
  alerts: e('Alerts by priority', '告警统计（按级别）'),
  incidents: e('Incidents', '事件统计'),
  completeness: e('Data completeness', '数据完整性'),
  devices: e('Devices', '设备'),
  device: e('Device', '设备'),
  class: e('Class', '类别'),
  check: e('Check', '检查项'),
  status: e('Status', '状态'),
  value: e('Value', '数值'),
  detail: e('Detail', '说明'),
  trend: e('vs 7 days', '较前 7 天'),
  last24h: e('Last 24 h', '近 24 小时'),
  risk: e('Risk', '风险'),
  action: e('Recommended action', '建议措施'),
  source: e('Source', '来源'),
  priority: e('Priority', '级别'),
  count: e('Count', '数量'),
  alertsTotal: e('Alerts', '告警'),
  incidentsTotal: e('Incidents', '事件'),
  opened: e('Opened', '新建'),
  acknowledged: e('Acknowledged', '已响应'),
  resolved: e('Resolved', '已解决'),
  mtta: e('MTTA (mean time to acknowledge)', '平均响应时间 MTTA'),
  mttr: e('MTTR (mean time to resolve)', '平均修复时间 MTTR'),
  respondSla: e('Respond SLA met', '响应 SLA 达成率'),
  resolveSla: e('Resolve SLA met', '解决 SLA 达成率'),
  received: e('Received', '数据接收率'),
  gaps: e('Collection gaps', '采集中断'),
  downtime: e('Device down', '设备宕机'),
  verdict: e('Verdict', '结论'),
  firedAt: e('Fired', '触发时间'),
  resolvedAt: e('Resolved', '恢复时间'),
  rule: e('Rule', '规则'),
  summaryText: e('Summary', '摘要'),
  stillFiring: e('still firing', '未恢复'),
  noRisks: e('No risks today.', '今日无风险项。'),
  mutedBy: e('muted by maintenance "{name}" {window}', '维护窗口“{name}”期间已静默 {window}'),
  incidentRef: e('incident #{id}', '事件 #{id}'),
  'sla.respond': e('respond', '响应'),
  'sla.resolve': e('resolve', '解决'),
  'sla.met': e('met', '达标'),
  'sla.breached': e('BREACHED', '已超时'),
  'sla.running': e('running', '计时中'),
  openIncidents: e('Open incidents', '未关闭事件'),
  noOpenIncidents: e('No open incidents.', '无未关闭事件。'),
  slaState: e('SLA', 'SLA 状态'),
  incidentTitle: e('Title', '标题'),
  noAlerts: e('No alerts today.', '今日无告警。'),
  allComplete: e('All devices reported complete data.', '所有设备数据完整。'),
  thresholds: e('Thresholds used', '判定阈值来源'),
  thresholdsNote: e(
    "Each number is the loaded rule's threshold for that priority where a rule for the metric is loaded; otherwise the checklist's documented default.",
    '已加载相应指标规则的，阈值取自该规则对应级别的阈值；否则使用巡检清单的默认值。',
  ),
  metric: e('Metric', '指标'),
  level: e('Level', '判定'),
  threshold: e('Threshold', '阈值'),
  'threshold.default': e('default (no loaded rule)', '默认值（未加载相应规则）'),
  morePass: e('{n} devices passed every check', '{n} 台设备全部检查项通过'),
  alertList: e('Alerts of the day', '当日告警'),
  moreAlerts: e('{n} more alerts not shown', '另有 {n} 条告警未列出'),
  completeNote: e('Gaps in collection are missing data while the device was up; down time is the device itself being unreachable.', '采集中断指设备在线但未采集到数据；设备宕机指设备本身不可达。'),
  'src.runbook': e('runbook', '处置手册'),
  'src.knowledge-base': e('knowledge base', '知识库'),
  'src.default': e('default', '通用建议'),
  pass: e('PASS', '通过'),
  warn: e('WARN', '警告'),
  fail: e('FAIL', '故障'),
  'verdict.complete': e('complete', '完整'),
  'verdict.gaps': e('gaps in collection', '采集中断'),
  'verdict.down': e('device down', '设备宕机'),
  'verdict.silent': e('silent (no data)', '无数据'),
  kbCause: e('cause', '原因'),
  kbIncident: e('incident #{n}', '事件 #{n}'),
  none: e('–', '–'),
};

const CLASS: Record<string, Entry> = {
  database: e('Databases (Oracle)', '数据库（Oracle）'),
  server: e('Servers', '服务器'),
  minicomputer: e('Minicomputers', '小型机'),
  storage: e('Storage arrays', '存储阵列'),
  san: e('SAN switches', 'SAN 交换机'),
  tape: e('Tape libraries', '磁带库'),
  network: e('Network devices', '网络设备'),
  security: e('Security devices', '安全设备'),
  ups: e('UPS', 'UPS 不间断电源'),
  precision_ac: e('Precision air conditioning', '精密空调'),
  environment: e('Environment sensors', '环境监控'),
};

const CHECK: Record<string, Entry> = {
  reachable: e('Reachability', '可达性'),
  incident: e('Open incident', '未关闭事件'),
  'ups.output': e('Output source', '输出供电方式'),
  'ups.alarms': e('UPS alarms', 'UPS 告警'),
  cpu: e('CPU', 'CPU 使用率'),
  mem: e('Memory', '内存使用率'),
  fs: e('Filesystem', '文件系统'),
  if: e('Interfaces', '网络接口'),
  temp: e('Temperature sensors', '设备温度'),
  'fw.sessions': e('Firewall sessions', '防火墙会话数'),
  'fw.ha': e('HA state', '双机热备状态'),
  pool: e('Storage pool', '存储池'),
  'storage.disks': e('Disks', '磁盘'),
  'storage.ctrl': e('Controllers', '控制器'),
  fc: e('FC ports', 'FC 端口'),
  'tape.drives': e('Tape drives', '磁带驱动器'),
  'ora.up': e('Instances', '数据库实例'),
  ts: e('Tablespace', '表空间'),
  asm: e('ASM disk group', 'ASM 磁盘组'),
  fra: e('Fast recovery area', '快速恢复区 FRA'),
  'ora.errors': e('Alert log ORA- errors', '告警日志 ORA- 错误'),
  'ora.backup': e('RMAN backup age', 'RMAN 备份时效'),
  'ora.rac': e('RAC instances', 'RAC 实例数'),
  'ora.dg': e('Data Guard apply lag', 'Data Guard 应用延迟'),
  'ups.battery': e('Battery status', '电池状态'),
  'ups.charge': e('Battery charge', '电池电量'),
  'ups.runtime': e('Battery runtime', '电池后备时间'),
  'ups.load': e('Output load', '输出负载'),
  'ups.selftest': e('Battery self-test', '电池自检'),
  'ups.onbattery': e('On-battery events', '电池供电事件'),
  'ac.temp': e('Return air temperature', '回风温度'),
  'ac.humidity': e('Return air humidity', '回风湿度'),
  'ac.alarms': e('Unit state and alarms', '机组运行与告警'),
  'env.temp': e('Temperature', '温度'),
  'env.humidity': e('Humidity', '湿度'),
  'env.safety': e('Water, smoke, door', '漏水、烟感、门磁'),
};

/** Recommended actions when no alert's runbook and no known fix apply. */
const ACTION: Record<string, Entry> = {
  incident: e('Work the incident to resolution; acknowledge it if nobody has.', '跟进该事件直至解决；如尚无人确认，请立即确认。'),
  'ups.output': e('Find why the inverter is not carrying the load (bypass or battery); call the UPS vendor.', '查明逆变器未带载的原因（旁路或电池供电），联系 UPS 厂商。'),
  'ups.alarms': e('Read the UPS alarm table on its panel or web page and clear the cause.', '在 UPS 面板或网页上查看告警列表并排除原因。'),
  reachable: e('Check power, cabling and the upstream switch port; console in through the out-of-band interface.', '检查电源、线缆及上联交换机端口；通过带外管理口登录排查。'),
  cpu: e('Find the top consumers (top, ps) and runaway batch jobs; plan capacity if the load is legitimate.', '排查占用 CPU 最高的进程及失控的批处理作业；若属正常业务负载，请评估扩容。'),
  mem: e('Find the largest processes and check for a memory leak; plan a restart in a maintenance window.', '排查内存占用最高的进程及内存泄漏，在维护窗口内安排重启。'),
  fs: e('Find large files (du -xsh), rotate or archive logs, or extend the volume before it fills.', '清理大文件（du -xsh）、轮转或归档日志，或在写满前扩容卷。'),
  if: e('Check cabling, optics and duplex on both ends; move traffic or add links if the port is saturated.', '检查两端线缆、光模块及双工设置；端口拥塞时调整流量或扩充链路。'),
  temp: e('Check the rack airflow and the precision AC serving the row.', '检查机柜气流组织及对应列的精密空调。'),
  'fw.sessions': e('Look for scans or a client leaking connections; plan a larger platform if growth is real.', '排查扫描攻击或连接泄漏的客户端；若为真实增长，请规划更高性能的设备。'),
  'fw.ha': e('Find why the cluster failed over (monitored link, reboot) before it flips back.', '查明双机切换原因（监控链路、重启等），防止再次切换。'),
  pool: e('Reclaim space (snapshots, thin reclamation) or add capacity to the pool.', '回收空间（快照、精简回收）或为存储池扩容。'),
  'storage.disks': e('Open a vendor case for the failed disk and confirm the rebuild onto a hot spare.', '针对故障磁盘向厂商报修，并确认已向热备盘重建。'),
  'storage.ctrl': e('Open a P1 vendor case: all I/O runs on the remaining controller.', '立即向厂商报 P1 故障：所有 I/O 正运行在剩余控制器上。'),
  fc: e('Check the host HBA and multipath state; clean or replace the optic and fibre.', '检查主机 HBA 及多路径状态；清洁或更换光模块与光纤。'),
  'tape.drives': e('Run a cleaning cartridge; open a vendor case if the drive stays offline.', '使用清洗带清洁驱动器；若仍离线请向厂商报修。'),
  'ora.up': e('Check the alert log and CRS; start the instance or fail over.', '检查告警日志和 CRS 状态；启动实例或进行切换。'),
  ts: e('Add a datafile or raise MAXSIZE; find what is growing (dba_segments).', '添加数据文件或调大 MAXSIZE；排查增长来源（dba_segments）。'),
  asm: e('Add disks to the disk group or purge old backups and archive logs.', '为磁盘组添加磁盘，或清理过期备份与归档日志。'),
  fra: e('Back up and delete archive logs; check the RMAN retention policy.', '备份并删除归档日志；检查 RMAN 保留策略。'),
  'ora.errors': e('Read the alert log around the errors; ORA-00600/07445 need a vendor case.', '查看告警日志中相关错误；ORA-00600/07445 需向厂商开服务请求。'),
  'ora.backup': e('Check the backup job log and the tape library; run the backup manually.', '检查备份作业日志及磁带库状态；手工补做备份。'),
  'ora.rac': e('Check the missing node: CRS, interconnect and the instance alert log.', '检查缺失节点的 CRS、私网心跳及实例告警日志。'),
  'ora.dg': e('Check redo transport and the MRP process on the standby.', '检查日志传输及备库 MRP 进程。'),
  'ups.battery': e('Have the vendor test and replace the batteries.', '请厂商检测并更换电池。'),
  'ups.charge': e('Watch the recharge; a battery that does not reach 80 % on mains is ageing: plan replacement.', '关注充电情况；市电下电量无法恢复到 80% 说明电池老化，请安排更换。'),
  'ups.runtime': e('Reduce the load or replace the batteries; prepare the orderly shutdown plan.', '降低负载或更换电池；准备有序关机预案。'),
  'ups.load': e("Rebalance load between UPS units; an N+1 pair must carry its partner's load.", '在 UPS 之间均衡负载；N+1 冗余须能承担另一台的负载。'),
  'ups.selftest': e('Schedule battery replacement with the vendor.', '与厂商预约更换电池。'),
  'ups.onbattery': e('Find why mains was lost (utility, ATS, generator transfer) and check the batteries recharged.', '查明市电中断原因（市电、ATS、发电机切换），并确认电池已充满。'),
  'ac.temp': e("Check the unit's alarms, filters and the other units' load; check cold-aisle containment.", '检查机组告警、滤网及其他机组负载；检查冷通道封闭。'),
  'ac.humidity': e('Check the humidifier and dehumidification; check for water or condensation.', '检查加湿与除湿功能；检查是否有漏水或凝露。'),
  'ac.alarms': e("Read the alarm on the unit's display; call the vendor if it does not clear.", '在机组面板上查看告警内容；无法消除请联系厂商。'),
  'env.temp': e('Check the precision AC units and the containment near the sensor.', '检查传感器附近的精密空调及通道封闭。'),
  'env.humidity': e('Check the precision AC humidity control and look for water ingress.', '检查精密空调的湿度控制并排查进水。'),
  'env.safety': e('Go there now: follow the water or fire procedure; close the door.', '立即到现场：按漏水或消防预案处置；关闭机房门。'),
};

const PRIORITY: Record<Priority, Entry> = {
  P1: e('P1 critical', 'P1 紧急'),
  P2: e('P2 urgent', 'P2 严重'),
  P3: e('P3 important', 'P3 重要'),
  P4: e('P4 minor', 'P4 一般'),
};

function pick(entry: Entry | undefined, lang: Lang, fallback: string): string {
  if (!entry) return fallback;
  return lang === 'zh-CN' ? entry.zh : entry.en;
}

function fill(tpl: string, params: Record<string, string | number>): string {
  return tpl.replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? ''));
}

export function ui(key: string, lang: Lang, params: Record<string, string | number> = {}): string {
  return fill(pick(UI[key], lang, key), params);
}

export const classLabel = (cls: string, lang: Lang): string => pick(CLASS[cls], lang, cls);
export const statusLabel = (s: Status, lang: Lang): string => ui(s, lang);
export const priorityLabel = (p: Priority, lang: Lang): string => pick(PRIORITY[p], lang, p);

/** `fs:/u01` → "Filesystem /u01". */
export function checkLabel(check: string, lang: Lang): string {
  const i = check.indexOf(':');
  const kind = i < 0 ? check : check.slice(0, i);
  const label = pick(CHECK[kind], lang, kind);
  return i < 0 ? label : `${label} ${check.slice(i + 1)}`;
}

export function defaultAction(check: string, lang: Lang): string {
  const i = check.indexOf(':');
  const kind = i < 0 ? check : check.slice(0, i);
  return pick(ACTION[kind], lang, pick(ACTION.reachable, lang, ''));
}

// ---------- numbers, quantities, durations, times ----------

const numberFormats = new Map<string, Intl.NumberFormat>();

export function formatNumber(n: number, lang: Lang): string {
  if (!Number.isFinite(n)) return '–';
  const abs = Math.abs(n);
  const digits = abs >= 100 || Number.isInteger(n) ? 0 : abs >= 1 ? 1 : 2;
  const key = `${lang}|${digits}`;
  let f = numberFormats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(lang, { maximumFractionDigits: digits, minimumFractionDigits: 0 });
    numberFormats.set(key, f);
  }
  return f.format(n);
}

export function formatPct(n: number | null, lang: Lang): string {
  return n === null ? '–' : fill(pick(UNIT.pct, lang, '{n} %'), { n: formatNumber(n, lang) });
}

export function formatQuantity(n: number, unit: string, lang: Lang): string {
  if (unit === 's') return formatDuration(n * 1000, lang);
  return fill(pick(UNIT[unit], lang, '{n}'), { n: formatNumber(n, lang) });
}

/** A duration the way an engineer says it: "45 s", "12 min", "2 h 5 min", "3 d 4 h". */
export function formatDuration(ms: number | null, lang: Lang): string {
  if (ms === null || !Number.isFinite(ms)) return '–';
  const zh = lang === 'zh-CN';
  const s = Math.round(ms / 1000);
  if (s < 60) return zh ? `${s} 秒` : `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return zh ? `${min} 分钟` : `${min} min`;
  const h = Math.floor(min / 60);
  const rm = min % 60;
  if (h < 24) return zh ? `${h} 小时${rm ? ` ${rm} 分钟` : ''}` : `${h} h${rm ? ` ${rm} min` : ''}`;
  const d = Math.floor(h / 24);
  const rh = h % 24;
  return zh ? `${d} 天${rh ? ` ${rh} 小时` : ''}` : `${d} d${rh ? ` ${rh} h` : ''}`;
}

/** "2026-11-23 00:30" in the report's time zone (ISO order reads the same in both languages). */
export function formatDateTime(ms: number, timeZone: string): string {
  return formatLocal(ms, timeZone);
}

export function formatTime(ms: number, timeZone: string): string {
  return formatLocal(ms, timeZone, { timeOnly: true });
}

// ---------- messages ----------

function formatParam(raw: string | number | undefined, fmt: string | undefined, params: Record<string, string | number>, lang: Lang): string {
  if (raw === undefined) return '';
  switch (fmt) {
    case 'q':
      return typeof raw === 'number' ? formatQuantity(raw, String(params.unit ?? 'count'), lang) : raw;
    case 'pct':
      return typeof raw === 'number' ? formatPct(raw, lang) : raw;
    case 'agg':
      return pick(AGG[String(raw)], lang, String(raw));
    case 'metric':
      return pick(METRIC[String(raw)], lang, String(raw));
    case 'dur':
      return typeof raw === 'number' ? formatDuration(raw * 60_000, lang) : raw;
    case 'bat':
      return pick(BATTERY[Number(raw)], lang, String(raw));
    case 'ha':
      return pick(HA[Number(raw)], lang, String(raw));
    default:
      return typeof raw === 'number' ? formatNumber(raw, lang) : raw;
  }
}

export function renderMessage(msg: Message, lang: Lang): string {
  const tpl = pick(MESSAGES[msg.key], lang, msg.key);
  const params = msg.params ?? {};
  return tpl.replace(/\{(\w+)(?::(\w+))?\}/g, (_, name: string, fmt: string | undefined) => formatParam(params[name], fmt, params, lang));
}

export function renderMessages(msgs: Message[], lang: Lang): string {
  return msgs.map((x) => renderMessage(x, lang)).join(lang === 'zh-CN' ? '；' : '; ');
}

export function hasMessage(key: string): boolean {
  return key in MESSAGES;
}

/** Display width in a monospace terminal: CJK and full-width forms take two columns. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if ((c >= 0x300 && c <= 0x36f) || c === 0x200b) continue;
    const wide =
      (c >= 0x1100 && c <= 0x115f) ||
      (c >= 0x2e80 && c <= 0x303e) ||
      (c >= 0x3041 && c <= 0x33ff) ||
      (c >= 0x3400 && c <= 0x4dbf) ||
      (c >= 0x4e00 && c <= 0x9fff) ||
      (c >= 0xa000 && c <= 0xa4cf) ||
      (c >= 0xac00 && c <= 0xd7a3) ||
      (c >= 0xf900 && c <= 0xfaff) ||
      (c >= 0xfe30 && c <= 0xfe4f) ||
      (c >= 0xff00 && c <= 0xff60) ||
      (c >= 0xffe0 && c <= 0xffe6) ||
      (c >= 0x20000 && c <= 0x3fffd);
    w += wide ? 2 : 1;
  }
  return w;
}

export function padEnd(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - displayWidth(s)));
}

// ---------- report-level phrases shared by both renderers ----------

export function reportTitle(report: Report, lang: Lang): string {
  const { site, date } = report.input;
  if (lang === 'zh-CN') return `${site ? `${site} ` : ''}${ui('title', lang)} ${date}`;
  return `${ui('title', lang)}${site ? ` — ${site}` : ''} — ${date}`;
}

/** "Label: text" with the colon of the language (full width in Chinese). */
export function labelled(label: string, text: string, lang: Lang): string {
  return lang === 'zh-CN' ? `${label}：${text}` : `${label}: ${text}`;
}

/** "text (note)" with the parentheses of the language. */
export function withNote(text: string, note: string, lang: Lang): string {
  return lang === 'zh-CN' ? `${text}（${note}）` : `${text} (${note})`;
}

export function reportPeriod(report: Report, lang: Lang): string {
  const { from, to, timeZone } = report.input;
  return labelled(ui('period', lang), withNote(`${formatDateTime(from, timeZone)} – ${formatDateTime(to, timeZone)}`, timeZone, lang), lang);
}

export function rowValue(row: CheckRow, lang: Lang): string {
  return row.valueMsg ? renderMessages(row.valueMsg, lang) : row.value;
}

export function rowDetail(row: CheckRow, lang: Lang): string {
  return row.detailMsg ? renderMessages(row.detailMsg, lang) : (row.detail ?? '');
}

/** The risk's text in `lang`, from the row behind it when the report still has it. */
export function riskText(report: Report, risk: Risk, lang: Lang): string {
  const row = risk.kind === undefined || risk.kind === 'check' ? report.rows.find((r) => r.device === risk.device && r.check === risk.check) : undefined;
  const base = row ? (row.detailMsg ? renderMessages(row.detailMsg, lang) : rowValue(row, lang)) : risk.text;
  const notes: string[] = [];
  if (risk.incidentId !== undefined) {
    const inc = report.input.incidents.find((i) => i.id === risk.incidentId);
    notes.push(ui('incidentRef', lang, { id: risk.incidentId }) + (inc ? ` · ${incidentSla(inc, lang)}` : ''));
  }
  if (risk.maintenance) notes.push(ui('mutedBy', lang, { name: risk.maintenance.name, window: maintenanceSpan(risk.maintenance, report.input.timeZone) }));
  return notes.length ? `${base} (${notes.join('; ')})` : base;
}

/** An alert's summary with the maintenance window that muted it. */
export function alertText(a: { summary: string; muted?: boolean; maintenance?: { name: string; start?: number; end?: number; cron?: string } }, timeZone: string, lang: Lang): string {
  if (!a.muted) return a.summary;
  const m = a.maintenance ?? { name: '?' };
  return `${a.summary} (${ui('mutedBy', lang, { name: m.name, window: maintenanceSpan(m, timeZone) })})`;
}

/** Incidents still open when the report was made, most urgent first. */
export function openIncidentsOf(report: Report): Report['input']['incidents'] {
  return report.input.incidents.filter((i) => i.status === 'open' || i.status === 'acknowledged').sort((a, b) => a.priority.localeCompare(b.priority) || a.openedAt - b.openedAt);
}

/** "respond met · resolve running", from the judge's verdicts. */
export function incidentSla(i: { respondMet: boolean | undefined; resolveMet: boolean | undefined }, lang: Lang): string {
  const state = (v: boolean | undefined) => ui(v === true ? 'sla.met' : v === false ? 'sla.breached' : 'sla.running', lang);
  return `${ui('sla.respond', lang)} ${state(i.respondMet)} · ${ui('sla.resolve', lang)} ${state(i.resolveMet)}`;
}

export function maintenanceSpan(m: { start?: number; end?: number; cron?: string }, timeZone: string): string {
  if (m.start !== undefined && m.end !== undefined) return `${formatDateTime(m.start, timeZone)} – ${formatDateTime(m.end, timeZone)}`;
  return m.cron ? `(${m.cron})` : '';
}

/** Runbooks and known fixes are shown as written; default advice comes from the catalogue in `lang`. */
export function riskAction(risk: Risk, lang: Lang): string {
  return risk.source === 'default' ? defaultAction(risk.check, lang) : risk.action;
}

/** "+3.5" with an arrow: ↑ up, ↓ down, → within ±0.05. */
export function formatTrend(trend: number | undefined, lang: Lang): string {
  if (trend === undefined) return '';
  if (Math.abs(trend) < 0.05) return '→ 0';
  return `${trend > 0 ? '↑ +' : '↓ −'}${formatNumber(Math.abs(trend), lang)}`;
}

/** The appendix of numbers: class, check, metric, level, condition and where the number came from. */
export function thresholdTable(report: Report, lang: Lang): { header: string[]; rows: string[][] } {
  const header = [ui('class', lang), ui('check', lang), ui('metric', lang), ui('level', lang), ui('threshold', lang), ui('source', lang)];
  const rows = (report.thresholds ?? []).map((t) => [
    classLabel(t.class, lang),
    checkLabel(t.check, lang),
    t.metric,
    statusLabel(t.level, lang),
    `${t.op} ${formatNumber(t.value, lang)}`,
    t.rule ? `${t.rule} (${t.priority ?? ''})` : ui('threshold.default', lang),
  ]);
  return { header, rows };
}
