/* The Intel 82540EM (QEMU's `-device e1000`): registers and the driver core.
 * Register layout and bits: Intel PCI/PCI-X Family of Gigabit Ethernet
 * Controllers Software Developer's Manual (8254x), chapter 13 (registers)
 * and 3 (descriptors).  The core touches only the device: it is compiled
 * into the user-level server and, with E1000_IN_KERNEL=y, into the kernel,
 * and each build hands it mapped registers and DMA memory. */
#ifndef E1000_H
#define E1000_H

#include <stdbool.h>
#include <stdint.h>
#include <ipclab/nic.h>

#define E1000_VENDOR 0x8086
#define E1000_DEVICE 0x100e                 /* 82540EM */
#define E1000_BAR_SIZE 0x20000

/* Registers (byte offsets in BAR0). */
#define E1000_CTRL   0x0000
#define E1000_STATUS 0x0008
#define E1000_EERD   0x0014
#define E1000_MDIC   0x0020
#define E1000_FCAL   0x0028
#define E1000_FCAH   0x002c
#define E1000_FCT    0x0030
#define E1000_ICR    0x00c0
#define E1000_ITR    0x00c4
#define E1000_ICS    0x00c8
#define E1000_IMS    0x00d0
#define E1000_IMC    0x00d8
#define E1000_RCTL   0x0100
#define E1000_FCTTV  0x0170
#define E1000_TCTL   0x0400
#define E1000_TIPG   0x0410
#define E1000_RDBAL  0x2800
#define E1000_RDBAH  0x2804
#define E1000_RDLEN  0x2808
#define E1000_RDH    0x2810
#define E1000_RDT    0x2818
#define E1000_RDTR   0x2820
#define E1000_RADV   0x282c
#define E1000_TDBAL  0x3800
#define E1000_TDBAH  0x3804
#define E1000_TDLEN  0x3808
#define E1000_TDH    0x3810
#define E1000_TDT    0x3818
#define E1000_TIDV   0x3820
#define E1000_TADV   0x382c
#define E1000_MPC    0x4010                 /* missed packets */
#define E1000_MTA    0x5200                 /* 128 words */
#define E1000_RAL(n) (0x5400 + 8 * (n))
#define E1000_RAH(n) (0x5404 + 8 * (n))

#define CTRL_ASDE (1u << 5)
#define CTRL_SLU (1u << 6)
#define CTRL_RST (1u << 26)
#define CTRL_LRST (1u << 3)
#define CTRL_ILOS (1u << 7)
#define CTRL_FRCSPD (1u << 11)
#define CTRL_FRCDPLX (1u << 12)
#define CTRL_VME (1u << 30)
#define CTRL_PHY_RST (1u << 31)
#define STATUS_LU (1u << 1)
#define EERD_START 0x1u
#define EERD_DONE 0x10u
#define MDIC_READ (2u << 26)
#define MDIC_WRITE (1u << 26)
#define MDIC_PHY1 (1u << 21)
#define MDIC_READY (1u << 28)
#define MDIC_ERROR (1u << 30)
#define PHY_BMCR 0
#define BMCR_LOOPBACK 0x4000u
#define BMCR_ANRESTART 0x0200u
#define BMCR_AUTOEN 0x1000u
#define RCTL_EN (1u << 1)
#define RCTL_BAM (1u << 15)
#define RCTL_SECRC (1u << 26)               /* BSIZE 00 with BSEX 0: 2048-byte buffers */
#define TCTL_EN (1u << 1)
#define TCTL_PSP (1u << 3)
#define TCTL_CT(x) ((x) << 4)
#define TCTL_COLD(x) ((x) << 12)
#define TIPG_COPPER (10u | 8u << 10 | 6u << 20)
#define RAH_AV (1u << 31)
#define ICR_TXDW 0x01u
#define ICR_LSC 0x04u
#define ICR_RXO 0x40u
#define ICR_RXT0 0x80u

/* Legacy descriptors (section 3.2.3, 3.3.3). */
struct e1000_rxd {
	uint64_t addr;
	uint16_t len, csum;
	uint8_t status, errors;
	uint16_t special;
};
struct e1000_txd {
	uint64_t addr;
	uint16_t len;
	uint8_t cso, cmd, status, css;
	uint16_t special;
};
#define RXD_DD 0x01u
#define RXD_EOP 0x02u
#define TXD_EOP 0x01u
#define TXD_IFCS 0x02u
#define TXD_RS 0x08u
#define TXD_DD 0x01u

/* Where the 82540EM is in PCI configuration space, and what it says. */
struct e1000_pci {
	unsigned bdf;                          /* bus << 8 | device << 3 | function */
	uint64_t bar0;                         /* physical address of the registers */
	unsigned irq_line;                     /* ISA IRQ from config 0x3c: GSI, no override */
};

/* One device and its two rings, NIC_SLOTS descriptors each. */
struct e1000 {
	volatile uint32_t *regs;
	volatile struct e1000_txd *txd;
	volatile struct e1000_rxd *rxd;
	unsigned tx_tail, tx_clean;            /* next to post; next to complete */
	uint64_t tx_done;                      /* transmits completed, ever */
	unsigned rx_next;                      /* next to complete */
	unsigned rx_tail;                      /* RDT: the slot the device may not use */
	uint8_t mac[6];
};

/* Find the first 82540EM on bus 0 and enable its memory decoding and bus
 * mastering (ports 0xCF8/0xCFC must be ours).  false: none. */
bool e1000_pci_find(struct e1000_pci *out);
/* Stop the device and bring it to a known state: no interrupts, receive
 * and transmit off, link up, MAC address from the EEPROM, no other
 * addresses or filters.  regs: BAR0 mapped uncached.  false: no answer. */
bool e1000_reset(struct e1000 *nic, volatile void *regs);
/* PHY loopback (frames come back to our receiver) on or off. */
bool e1000_loopback(struct e1000 *nic, bool on);
/* Restart auto-negotiation: the link goes down, and up again later (an
 * interrupt, ICR_LSC, says when). */
bool e1000_autoneg_restart(struct e1000 *nic);
/* Start receiving into rx_buf[i] (physical addresses, NIC_BUF_SIZE each)
 * and transmitting; rings: one page at ring_va / ring_pa.  itr: interrupt
 * throttling interval in 256 ns units (0: none). */
void e1000_start(struct e1000 *nic, void *ring_va, uint64_t ring_pa, const uint64_t *rx_buf,
		 unsigned itr);
/* Everything off and no interrupts; DMA stops. */
void e1000_stop(struct e1000 *nic);

/* Transmit slots free for e1000_tx_post (after e1000_tx_reap). */
unsigned e1000_tx_room(const struct e1000 *nic);
void e1000_tx_post(struct e1000 *nic, uint64_t pa, unsigned len);
void e1000_tx_kick(struct e1000 *nic);      /* the device may send what was posted */
void e1000_tx_reap(struct e1000 *nic);      /* count completed transmits */
/* Has the device filled the next receive slot? */
static inline bool e1000_rx_ready(const struct e1000 *nic)
{
	return nic->rxd[nic->rx_next].status & RXD_DD;
}
/* Take the next filled receive slot (e1000_rx_ready): its length, status
 * and errors; it stays ours until released.  Returns the slot. */
unsigned e1000_rx_take(struct e1000 *nic, uint16_t *len, uint8_t *status, uint8_t *errors);
/* Give the device back every slot taken before slot upto. */
void e1000_rx_release(struct e1000 *nic, unsigned upto);
/* The interrupt causes, which reading clears (and so lowers the line). */
uint32_t e1000_irq_causes(struct e1000 *nic);
bool e1000_link_up(const struct e1000 *nic);

#endif
