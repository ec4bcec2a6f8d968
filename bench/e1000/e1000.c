/* The 82540EM driver core: PCI discovery, reset, MAC and PHY set-up, the
 * transmit and receive rings.  Device only: no allocation, no policy, no
 * system calls; the same file runs in the user-level server and in the
 * kernel (e1000.h says what each build provides). */
#include "e1000.h"

#define PCI_ADDR 0xcf8
#define PCI_DATA 0xcfc
#define PCI_CMD_MEM (1u << 1)
#define PCI_CMD_MASTER (1u << 2)
#define SPIN_MAX 1000000u

static inline void port_out32(uint16_t port, uint32_t v) { asm volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint32_t port_in32(uint16_t port) { uint32_t v; asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static uint32_t pci_read(unsigned bdf, unsigned off)
{
	port_out32(PCI_ADDR, 0x80000000u | bdf << 8 | (off & 0xfc));
	return port_in32(PCI_DATA);
}

static void pci_write(unsigned bdf, unsigned off, uint32_t v)
{
	port_out32(PCI_ADDR, 0x80000000u | bdf << 8 | (off & 0xfc));
	port_out32(PCI_DATA, v);
}

static uint32_t rd(const struct e1000 *nic, unsigned reg) { return nic->regs[reg / 4]; }
static void wr(struct e1000 *nic, unsigned reg, uint32_t v) { nic->regs[reg / 4] = v; }
static void barrier(void) { asm volatile("" : : : "memory"); }

bool e1000_pci_find(struct e1000_pci *out)
{
	for (unsigned dev = 0; dev < 32; dev++) {
		unsigned bdf = dev << 3;
		if (pci_read(bdf, 0) != ((uint32_t)E1000_DEVICE << 16 | E1000_VENDOR))
			continue;
		uint32_t bar = pci_read(bdf, 0x10);
		if (bar & 1)                                /* an I/O BAR: not ours */
			continue;
		out->bdf = bdf;
		out->bar0 = bar & ~0xfull;
		if ((bar & 6) == 4)                         /* 64-bit BAR */
			out->bar0 |= (uint64_t)pci_read(bdf, 0x14) << 32;
		out->irq_line = pci_read(bdf, 0x3c) & 0xff;
		pci_write(bdf, 0x04, (pci_read(bdf, 0x04) & 0xffff) | PCI_CMD_MEM | PCI_CMD_MASTER);
		return true;
	}
	return false;
}

/* One word of the EEPROM (section 5.6: words 0..2 are the MAC address). */
static bool eeprom_read(struct e1000 *nic, unsigned word, uint16_t *out)
{
	wr(nic, E1000_EERD, word << 8 | EERD_START);
	for (unsigned i = 0; i < SPIN_MAX; i++) {
		uint32_t v = rd(nic, E1000_EERD);
		if (v & EERD_DONE) {
			*out = v >> 16;
			return true;
		}
	}
	return false;
}

/* A PHY register through MDIC (section 13.4.6); PHY address 1. */
static bool mdic(struct e1000 *nic, uint32_t op, unsigned reg, uint16_t *data)
{
	wr(nic, E1000_MDIC, op | MDIC_PHY1 | reg << 16 | (op == MDIC_WRITE ? *data : 0));
	for (unsigned i = 0; i < SPIN_MAX; i++) {
		uint32_t v = rd(nic, E1000_MDIC);
		if (v & MDIC_READY) {
			*data = v & 0xffff;
			return !(v & MDIC_ERROR);
		}
	}
	return false;
}

bool e1000_reset(struct e1000 *nic, volatile void *regs)
{
	nic->regs = regs;
	wr(nic, E1000_IMC, ~0u);
	wr(nic, E1000_RCTL, 0);
	wr(nic, E1000_TCTL, 0);
	wr(nic, E1000_CTRL, rd(nic, E1000_CTRL) | CTRL_RST);
	unsigned i = 0;
	while (rd(nic, E1000_CTRL) & CTRL_RST)
		if (++i == SPIN_MAX)
			return false;
	/* A reset need not clear what an earlier driver left (QEMU's does
	 * not), so every register we rely on is written. */
	wr(nic, E1000_IMC, ~0u);
	(void)rd(nic, E1000_ICR);
	uint32_t ctrl = rd(nic, E1000_CTRL);
	ctrl &= ~(CTRL_LRST | CTRL_ILOS | CTRL_FRCSPD | CTRL_FRCDPLX | CTRL_VME | CTRL_PHY_RST);
	wr(nic, E1000_CTRL, ctrl | CTRL_SLU | CTRL_ASDE);
	wr(nic, E1000_FCAL, 0);
	wr(nic, E1000_FCAH, 0);
	wr(nic, E1000_FCT, 0);
	wr(nic, E1000_FCTTV, 0);
	wr(nic, E1000_ITR, 0);
	for (unsigned n = 0; n < 128; n++)
		wr(nic, E1000_MTA + 4 * n, 0);
	for (unsigned n = 1; n < 16; n++) {
		wr(nic, E1000_RAH(n), 0);
		wr(nic, E1000_RAL(n), 0);
	}
	uint16_t w[3];
	for (unsigned n = 0; n < 3; n++)
		if (!eeprom_read(nic, n, &w[n]))
			return false;
	for (unsigned n = 0; n < 6; n++)
		nic->mac[n] = w[n / 2] >> (8 * (n % 2));
	wr(nic, E1000_RAL(0), w[0] | (uint32_t)w[1] << 16);
	wr(nic, E1000_RAH(0), w[2] | RAH_AV);
	return true;
}

bool e1000_loopback(struct e1000 *nic, bool on)
{
	uint16_t bmcr;
	if (!mdic(nic, MDIC_READ, PHY_BMCR, &bmcr))
		return false;
	bmcr = (on ? bmcr | BMCR_LOOPBACK : bmcr & ~BMCR_LOOPBACK) & ~BMCR_ANRESTART;
	return mdic(nic, MDIC_WRITE, PHY_BMCR, &bmcr);
}

bool e1000_autoneg_restart(struct e1000 *nic)
{
	uint16_t bmcr;
	if (!mdic(nic, MDIC_READ, PHY_BMCR, &bmcr))
		return false;
	bmcr |= BMCR_AUTOEN | BMCR_ANRESTART;
	return mdic(nic, MDIC_WRITE, PHY_BMCR, &bmcr);
}

void e1000_start(struct e1000 *nic, void *ring_va, uint64_t ring_pa, const uint64_t *rx_buf,
		 unsigned itr)
{
	const unsigned ring_bytes = NIC_SLOTS * 16;
	nic->txd = ring_va;
	nic->rxd = (struct e1000_rxd *)((uint8_t *)ring_va + 2048);
	for (unsigned i = 0; i < NIC_SLOTS; i++) {
		nic->txd[i] = (struct e1000_txd){ .status = TXD_DD };
		nic->rxd[i] = (struct e1000_rxd){ .addr = rx_buf[i] };
	}
	nic->tx_tail = nic->tx_clean = 0;
	nic->tx_done = 0;
	nic->rx_next = 0;
	nic->rx_tail = NIC_SLOTS - 1;                /* one slot always ours */
	barrier();
	wr(nic, E1000_TDBAL, (uint32_t)ring_pa);
	wr(nic, E1000_TDBAH, ring_pa >> 32);
	wr(nic, E1000_TDLEN, ring_bytes);
	wr(nic, E1000_TDH, 0);
	wr(nic, E1000_TDT, 0);
	wr(nic, E1000_TIDV, 0);
	wr(nic, E1000_TADV, 0);
	wr(nic, E1000_TIPG, TIPG_COPPER);
	wr(nic, E1000_TCTL, TCTL_EN | TCTL_PSP | TCTL_CT(0x10) | TCTL_COLD(0x40));
	wr(nic, E1000_RDBAL, (uint32_t)(ring_pa + 2048));
	wr(nic, E1000_RDBAH, (ring_pa + 2048) >> 32);
	wr(nic, E1000_RDLEN, ring_bytes);
	wr(nic, E1000_RDH, 0);
	wr(nic, E1000_RDT, nic->rx_tail);
	wr(nic, E1000_RDTR, 0);
	wr(nic, E1000_RADV, 0);
	wr(nic, E1000_RCTL, RCTL_EN | RCTL_BAM | RCTL_SECRC);
	wr(nic, E1000_ITR, itr & 0xffff);
	(void)rd(nic, E1000_ICR);
	wr(nic, E1000_IMS, ICR_RXT0 | ICR_RXO | ICR_LSC | ICR_TXDW);
}

void e1000_stop(struct e1000 *nic)
{
	wr(nic, E1000_IMC, ~0u);
	wr(nic, E1000_RCTL, 0);
	wr(nic, E1000_TCTL, 0);
	wr(nic, E1000_CTRL, rd(nic, E1000_CTRL) | CTRL_RST);
	(void)rd(nic, E1000_ICR);
}

unsigned e1000_tx_room(const struct e1000 *nic)
{
	return NIC_SLOTS - 1 - (nic->tx_tail - nic->tx_clean + NIC_SLOTS) % NIC_SLOTS;
}

void e1000_tx_post(struct e1000 *nic, uint64_t pa, unsigned len)
{
	volatile struct e1000_txd *d = &nic->txd[nic->tx_tail];
	d->addr = pa;
	d->len = len;
	d->cso = 0;
	d->css = 0;
	d->special = 0;
	d->status = 0;
	d->cmd = TXD_EOP | TXD_IFCS | TXD_RS;
	nic->tx_tail = (nic->tx_tail + 1) % NIC_SLOTS;
}

void e1000_tx_kick(struct e1000 *nic)
{
	barrier();                                  /* descriptors before the doorbell */
	wr(nic, E1000_TDT, nic->tx_tail);
}

void e1000_tx_reap(struct e1000 *nic)
{
	while (nic->tx_clean != nic->tx_tail && (nic->txd[nic->tx_clean].status & TXD_DD)) {
		nic->tx_clean = (nic->tx_clean + 1) % NIC_SLOTS;
		nic->tx_done++;
	}
}

void e1000_rx_release(struct e1000 *nic, unsigned upto)
{
	unsigned last = (upto + NIC_SLOTS - 1) % NIC_SLOTS;
	if (last == nic->rx_tail)
		return;
	barrier();                                  /* statuses cleared before the doorbell */
	nic->rx_tail = last;
	wr(nic, E1000_RDT, last);
}

unsigned e1000_rx_take(struct e1000 *nic, uint16_t *len, uint8_t *status, uint8_t *errors)
{
	unsigned slot = nic->rx_next;
	volatile struct e1000_rxd *d = &nic->rxd[slot];
	*len = d->len;
	*status = d->status;
	*errors = d->errors;
	d->status = 0;                              /* never seen as done again */
	nic->rx_next = (slot + 1) % NIC_SLOTS;
	return slot;
}

uint32_t e1000_irq_causes(struct e1000 *nic)
{
	return rd(nic, E1000_ICR);
}

bool e1000_link_up(const struct e1000 *nic)
{
	return rd(nic, E1000_STATUS) & STATUS_LU;
}
