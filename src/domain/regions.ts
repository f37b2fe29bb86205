/**
 * China's 34 provincial-level divisions (省级行政区) with what the attribute tags need: the short standard
 * name stored in `customers.province`, the full name, north/south, big region and main cities, plus a
 * relative online-shopper weight the demo generator draws customer addresses from.
 *
 * North/south follows the Qinling–Huaihe line (秦岭—淮河). A province the line cuts goes to the side holding
 * most of its people: 江苏 and 安徽 are southern (most of both lies south of the Huai), 河南 and 陕西 northern
 * (the Nanyang basin and southern Shaanxi are the smaller parts). West of the line's end, 青海, 新疆, 宁夏, 甘肃 and
 * 内蒙古 are northern, 西藏 (Lhasa at 29.6°N, far south of the line's latitude) southern. 香港, 澳门 and 台湾
 * lie far south of the line and are southern.
 *
 * Big regions are the seven geographic regions (七大地理分区). 香港 and 澳门 are placed in 华南 and 台湾 in 华东,
 * the usual assignment of that division, so BIG_REGIONS stays a closed set of seven and no separate 港澳台
 * value exists.
 */

export const BIG_REGIONS = ['华北', '东北', '华东', '华中', '华南', '西南', '西北'] as const;
export type BigRegion = (typeof BIG_REGIONS)[number];

export const NORTH_SOUTH = ['北方', '南方'] as const;
export type NorthSouth = (typeof NORTH_SOUTH)[number];

export interface Province {
  /** Short standard name, as stored in `customers.province`: 广东, 内蒙古, 香港. */
  readonly name: string;
  /** Full official name: 广东省, 内蒙古自治区, 香港特别行政区. */
  readonly fullName: string;
  /** Common English (pinyin) name, as exported by Western shop systems: Guangdong, Inner Mongolia. */
  readonly english: string;
  readonly northSouth: NorthSouth;
  readonly bigRegion: BigRegion;
  /**
   * Relative share of a typical Tmall/JD store's buyers living there (the 34 weights sum to 1000). Buyer-side
   * (收货地) shares track population times online spending: the coastal east and big municipalities are heavy,
   * the far west light; 港澳台 are small because cross-border shipping is rare for a mainland store.
   */
  readonly shopperWeight: number;
  /** Main cities, capital first. A municipality or SAR is its own single city. */
  readonly cities: readonly string[];
}

// prettier-ignore
export const PROVINCES = [
  { name: '北京', fullName: '北京市', english: 'Beijing', northSouth: '北方', bigRegion: '华北', shopperWeight: 53, cities: ['北京'] },
  { name: '天津', fullName: '天津市', english: 'Tianjin', northSouth: '北方', bigRegion: '华北', shopperWeight: 15, cities: ['天津'] },
  { name: '河北', fullName: '河北省', english: 'Hebei', northSouth: '北方', bigRegion: '华北', shopperWeight: 40, cities: ['石家庄', '唐山', '保定', '邯郸'] },
  { name: '山西', fullName: '山西省', english: 'Shanxi', northSouth: '北方', bigRegion: '华北', shopperWeight: 15, cities: ['太原', '大同', '运城'] },
  { name: '内蒙古', fullName: '内蒙古自治区', english: 'Inner Mongolia', northSouth: '北方', bigRegion: '华北', shopperWeight: 10, cities: ['呼和浩特', '包头', '鄂尔多斯'] },
  { name: '辽宁', fullName: '辽宁省', english: 'Liaoning', northSouth: '北方', bigRegion: '东北', shopperWeight: 22, cities: ['沈阳', '大连', '鞍山'] },
  { name: '吉林', fullName: '吉林省', english: 'Jilin', northSouth: '北方', bigRegion: '东北', shopperWeight: 10, cities: ['长春', '吉林', '四平'] },
  { name: '黑龙江', fullName: '黑龙江省', english: 'Heilongjiang', northSouth: '北方', bigRegion: '东北', shopperWeight: 14, cities: ['哈尔滨', '大庆', '齐齐哈尔'] },
  { name: '上海', fullName: '上海市', english: 'Shanghai', northSouth: '南方', bigRegion: '华东', shopperWeight: 55, cities: ['上海'] },
  { name: '江苏', fullName: '江苏省', english: 'Jiangsu', northSouth: '南方', bigRegion: '华东', shopperWeight: 88, cities: ['南京', '苏州', '无锡', '南通'] },
  { name: '浙江', fullName: '浙江省', english: 'Zhejiang', northSouth: '南方', bigRegion: '华东', shopperWeight: 85, cities: ['杭州', '宁波', '温州', '金华'] },
  { name: '安徽', fullName: '安徽省', english: 'Anhui', northSouth: '南方', bigRegion: '华东', shopperWeight: 32, cities: ['合肥', '芜湖', '阜阳'] },
  { name: '福建', fullName: '福建省', english: 'Fujian', northSouth: '南方', bigRegion: '华东', shopperWeight: 40, cities: ['福州', '厦门', '泉州'] },
  { name: '江西', fullName: '江西省', english: 'Jiangxi', northSouth: '南方', bigRegion: '华东', shopperWeight: 22, cities: ['南昌', '赣州', '九江'] },
  { name: '山东', fullName: '山东省', english: 'Shandong', northSouth: '北方', bigRegion: '华东', shopperWeight: 65, cities: ['济南', '青岛', '烟台', '潍坊'] },
  { name: '台湾', fullName: '台湾省', english: 'Taiwan', northSouth: '南方', bigRegion: '华东', shopperWeight: 1, cities: ['台北', '新北', '台中', '高雄'] },
  { name: '河南', fullName: '河南省', english: 'Henan', northSouth: '北方', bigRegion: '华中', shopperWeight: 50, cities: ['郑州', '洛阳', '南阳'] },
  { name: '湖北', fullName: '湖北省', english: 'Hubei', northSouth: '南方', bigRegion: '华中', shopperWeight: 40, cities: ['武汉', '宜昌', '襄阳'] },
  { name: '湖南', fullName: '湖南省', english: 'Hunan', northSouth: '南方', bigRegion: '华中', shopperWeight: 37, cities: ['长沙', '株洲', '衡阳'] },
  { name: '广东', fullName: '广东省', english: 'Guangdong', northSouth: '南方', bigRegion: '华南', shopperWeight: 130, cities: ['广州', '深圳', '东莞', '佛山'] },
  { name: '广西', fullName: '广西壮族自治区', english: 'Guangxi', northSouth: '南方', bigRegion: '华南', shopperWeight: 21, cities: ['南宁', '柳州', '桂林'] },
  { name: '海南', fullName: '海南省', english: 'Hainan', northSouth: '南方', bigRegion: '华南', shopperWeight: 7, cities: ['海口', '三亚'] },
  { name: '香港', fullName: '香港特别行政区', english: 'Hong Kong', northSouth: '南方', bigRegion: '华南', shopperWeight: 2, cities: ['香港'] },
  { name: '澳门', fullName: '澳门特别行政区', english: 'Macau', northSouth: '南方', bigRegion: '华南', shopperWeight: 1, cities: ['澳门'] },
  { name: '重庆', fullName: '重庆市', english: 'Chongqing', northSouth: '南方', bigRegion: '西南', shopperWeight: 21, cities: ['重庆'] },
  { name: '四川', fullName: '四川省', english: 'Sichuan', northSouth: '南方', bigRegion: '西南', shopperWeight: 50, cities: ['成都', '绵阳', '南充'] },
  { name: '贵州', fullName: '贵州省', english: 'Guizhou', northSouth: '南方', bigRegion: '西南', shopperWeight: 13, cities: ['贵阳', '遵义'] },
  { name: '云南', fullName: '云南省', english: 'Yunnan', northSouth: '南方', bigRegion: '西南', shopperWeight: 18, cities: ['昆明', '曲靖', '大理'] },
  { name: '西藏', fullName: '西藏自治区', english: 'Tibet', northSouth: '南方', bigRegion: '西南', shopperWeight: 1, cities: ['拉萨', '日喀则'] },
  { name: '陕西', fullName: '陕西省', english: 'Shaanxi', northSouth: '北方', bigRegion: '西北', shopperWeight: 22, cities: ['西安', '咸阳', '宝鸡'] },
  { name: '甘肃', fullName: '甘肃省', english: 'Gansu', northSouth: '北方', bigRegion: '西北', shopperWeight: 8, cities: ['兰州', '天水', '酒泉'] },
  { name: '青海', fullName: '青海省', english: 'Qinghai', northSouth: '北方', bigRegion: '西北', shopperWeight: 2, cities: ['西宁', '海东'] },
  { name: '宁夏', fullName: '宁夏回族自治区', english: 'Ningxia', northSouth: '北方', bigRegion: '西北', shopperWeight: 3, cities: ['银川', '石嘴山', '吴忠'] },
  { name: '新疆', fullName: '新疆维吾尔自治区', english: 'Xinjiang', northSouth: '北方', bigRegion: '西北', shopperWeight: 7, cities: ['乌鲁木齐', '克拉玛依', '喀什'] },
] as const satisfies readonly Province[];

export type ProvinceName = (typeof PROVINCES)[number]['name'];

export const PROVINCE_BY_NAME: Readonly<Record<ProvinceName, Province>> = indexProvinces();

function indexProvinces(): Record<ProvinceName, Province> {
  const index: Partial<Record<ProvinceName, Province>> = {};
  for (const province of PROVINCES) index[province.name] = province;
  // Complete: PROVINCES defines ProvinceName, so every name was set above.
  return index as Record<ProvinceName, Province>;
}

// Suffixes people write or omit, longest first so 维吾尔自治区 is not cut as 自治区 and leave 新疆维吾尔.
const CHINESE_SUFFIXES = [
  '维吾尔族自治区',
  '维吾尔自治区',
  '壮族自治区',
  '回族自治区',
  '特别行政区',
  '自治区',
  '省',
  '市',
];
const ENGLISH_SUFFIXES = ['autonomousregion', 'province', 'sheng', 'shi', 'sar'];
const ALIASES: Readonly<Record<string, ProvinceName>> = {
  xizang: '西藏',
  neimongol: '内蒙古',
  neimenggu: '内蒙古',
  innermongolia: '内蒙古',
  macao: '澳门',
  hongkong: '香港',
};

const LOOKUP: ReadonlyMap<string, ProvinceName> = buildLookup();

function buildLookup(): Map<string, ProvinceName> {
  const lookup = new Map<string, ProvinceName>();
  for (const province of PROVINCES) {
    lookup.set(province.name, province.name);
    lookup.set(province.fullName, province.name);
    lookup.set(toLookupKey(province.english), province.name);
  }
  for (const [alias, name] of Object.entries(ALIASES)) lookup.set(alias, name);
  return lookup;
}

function toLookupKey(text: string): string {
  // \s covers the ideographic space (U+3000) too, common in hand-typed Chinese addresses.
  return text.replace(/\s+/gu, '').toLowerCase();
}

/**
 * The short standard name of a province written as its short name, full name (with or without 省/市/自治区,
 * including 壮族/回族/维吾尔 forms and 特别行政区), an optional 中国 prefix, or its English name; undefined when
 * the text names no provincial-level division, so the caller can report the value.
 *
 * @example normalizeProvince(' 广西壮族自治区 ') === '广西'; normalizeProvince('浙江') === '浙江';
 *   normalizeProvince('Inner Mongolia') === '内蒙古'; normalizeProvince('广州') === undefined
 */
export function normalizeProvince(text: string): ProvinceName | undefined {
  let key = toLookupKey(text);
  if (key.startsWith('中国') && key.length > 2) key = key.slice(2);
  const direct = LOOKUP.get(key);
  if (direct !== undefined) return direct;
  for (const suffix of [...CHINESE_SUFFIXES, ...ENGLISH_SUFFIXES]) {
    if (key.length > suffix.length && key.endsWith(suffix)) {
      const stripped = LOOKUP.get(key.slice(0, -suffix.length));
      if (stripped !== undefined) return stripped;
    }
  }
  return undefined;
}
